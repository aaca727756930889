//! Benchmark baseline: a plain typed serde_json parse of a Terraform plan.
//!
//! Reads the file into a String and deserializes it into structs that mirror
//! the `terraform show -json` layout the way a straightforward tool would,
//! then prints the number of resource_changes. No graph, no policy, no report.
//!
//! Usage: cargo run --release --example serde_baseline -- PLAN.json

use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize)]
#[allow(dead_code)]
struct Plan {
    format_version: String,
    terraform_version: Option<String>,
    #[serde(default)]
    resource_changes: Vec<ResourceChange>,
    prior_state: Option<State>,
    planned_values: Option<Values>,
    configuration: Option<Value>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct ResourceChange {
    address: String,
    mode: String,
    #[serde(rename = "type")]
    type_: String,
    name: String,
    index: Option<Value>,
    provider_name: String,
    change: Change,
    action_reason: Option<String>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct Change {
    actions: Vec<String>,
    before: Option<Value>,
    after: Option<Value>,
    after_unknown: Option<Value>,
    before_sensitive: Option<Value>,
    after_sensitive: Option<Value>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct State {
    values: Option<Values>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct Values {
    root_module: Module,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct Module {
    #[serde(default)]
    resources: Vec<Resource>,
    #[serde(default)]
    child_modules: Vec<Module>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct Resource {
    address: String,
    #[serde(rename = "type")]
    type_: String,
    values: Option<Value>,
    #[serde(default)]
    depends_on: Vec<String>,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .ok_or("usage: serde_baseline PLAN.json")?;
    let text = std::fs::read_to_string(&path)?;
    let mut json = serde_json::Deserializer::from_str(&text);
    json.disable_recursion_limit();
    let plan = Plan::deserialize(serde_stacker::Deserializer::new(&mut json))?;
    json.end()?;
    println!("{}", plan.resource_changes.len());
    Ok(())
}
