//! `open-ingress`: ingress from anywhere (0.0.0.0/0, ::/0) to an
//! administration or database port.

use serde::Deserialize;
use serde_json::Value;

use super::{RuleInput, writing};
use crate::rules::{Draft, Evidence, payload};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    pub ports: Vec<u16>,
    /// Sources that mean "anyone".
    pub sources: Vec<String>,
}

/// One ingress permission as the providers spell it.
struct Ingress {
    path: String,
    sources: Vec<String>,
    /// Inclusive port ranges; empty means every port.
    ports: Vec<(u32, u32)>,
}

pub fn check(params: &Params, context: &RuleInput<'_, '_>) -> Vec<Draft> {
    let mut drafts = Vec::new();
    for change in writing(context) {
        if !INGRESS_TYPES.contains(&&*change.resource_type) {
            continue;
        }
        let Some(after) = payload::parse(change.change.after) else {
            continue;
        };
        // Open already, if so in the prior state too (see
        // `PriorObjects::if_edited`).
        let open_in = |object: Option<&Value>| -> Vec<String> {
            object
                .map(|object| exposures(params, &change.resource_type, object))
                .unwrap_or_default()
                .into_iter()
                .map(|(_, what)| what)
                .collect()
        };
        let mut open_before = open_in(payload::parse(change.change.before).as_ref());
        if let Some(prior) = payload::parse(context.prior_objects.if_edited(change)) {
            let open_prior = open_in(Some(&prior));
            open_before.retain(|what| open_prior.contains(what));
        }
        let mask = payload::parse(change.change.after_sensitive);
        for (path, what) in exposures(params, &change.resource_type, &after) {
            if open_before.contains(&what) {
                continue;
            }
            // The ports a range opens, listed, would tell a marked range.
            let marked = payload::is_sensitive(mask.as_ref(), &path)
                || PORT_AND_SOURCE_FIELDS
                    .iter()
                    .any(|field| payload::is_sensitive(mask.as_ref(), field));
            let what = if marked {
                "an admin port to an open source (Terraform marks the rule's ports or sources sensitive)".to_owned()
            } else {
                what
            };
            drafts.push(
                Draft::new(
                    change.address.clone(),
                    format!("{} opens {what}", change.address),
                )
                .with_evidence(Evidence {
                    path,
                    before: None,
                    after: Some(what),
                }),
            );
        }
    }
    drafts
}

fn exposures(params: &Params, resource_type: &str, object: &Value) -> Vec<(String, String)> {
    let mut found = Vec::new();
    // Per admin port, the first rule that opens it and every source those
    // rules open it to, of the rules no source of their own makes open.
    let mut by_port: std::collections::BTreeMap<u16, (String, Vec<String>)> =
        std::collections::BTreeMap::new();
    for ingress in ingresses(resource_type, object) {
        let open: Vec<u16> = params
            .ports
            .iter()
            .copied()
            .filter(|port| {
                ingress.ports.is_empty()
                    || ingress
                        .ports
                        .iter()
                        .any(|(from, to)| (*from..=*to).contains(&u32::from(*port)))
            })
            .collect();
        if open.is_empty() {
            continue;
        }
        let named = ingress
            .sources
            .iter()
            .find(|source| params.sources.contains(source))
            .cloned();
        let Some(source) = named.or_else(|| most_of_the_internet(&ingress.sources)) else {
            for port in open {
                let (_, sources) = by_port
                    .entry(port)
                    .or_insert_with(|| (ingress.path.clone(), Vec::new()));
                sources.extend(ingress.sources.iter().cloned());
            }
            continue;
        };
        let ports = if ingress.ports.is_empty() {
            "every port".to_owned()
        } else {
            format!(
                "port {}",
                open.iter()
                    .map(u16::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        found.push((ingress.path, format!("{ports} to {source}")));
    }
    // Rules that each open a port to part of the internet can together
    // open it to most of it (four rules of a quarter each).
    for (port, (path, mut sources)) in by_port {
        sources.sort();
        sources.dedup();
        if let Some(source) = most_of_the_internet(&sources) {
            found.push((path, format!("port {port} to {source}")));
        }
    }
    found
}

/// The top-level attributes of the rule types that hold its ports or its
/// sources (a security group's own rules are `ingress[i]`, checked by path).
const PORT_AND_SOURCE_FIELDS: &[&str] = &[
    "from_port",
    "to_port",
    "cidr_blocks",
    "ipv6_cidr_blocks",
    "cidr_ipv4",
    "cidr_ipv6",
    "source_ranges",
    "allow",
    "destination_port_range",
    "destination_port_ranges",
    "source_address_prefix",
    "source_address_prefixes",
];

/// The sources, described, when together they cover at least half of all
/// IPv4 or of all IPv6 addresses: `0.0.0.0/0` split in two (`0.0.0.0/1`
/// and `128.0.0.0/1`), or in 256 `/8`s, is as open as itself.
pub(super) fn most_of_the_internet(sources: &[String]) -> Option<String> {
    // Address ranges as [start, end), IPv4 and IPv6 apart.
    type Ranges = Vec<(u128, u128)>;
    let (mut v4, mut v6): (Ranges, Ranges) = (Vec::new(), Vec::new());
    for source in sources {
        let Some((address, length)) = source.split_once('/') else {
            continue;
        };
        let Ok(length) = length.parse::<u32>() else {
            continue;
        };
        if let Ok(address) = address.parse::<std::net::Ipv4Addr>()
            && length <= 32
        {
            let size = 1u128 << (32 - length);
            let start = u128::from(u32::from(address)) & !(size - 1);
            v4.push((start, start + size));
        } else if let Ok(address) = address.parse::<std::net::Ipv6Addr>()
            && length <= 128
        {
            // `/0` is every address however the address is spelled
            // (`::0/0`, `2001:db8::/0`); its size does not fit a u128.
            if length == 0 {
                v6.push((0, u128::MAX));
                continue;
            }
            let size = 1u128 << (128 - length);
            let start = u128::from(address) & !(size - 1);
            v6.push((start, start.saturating_add(size)));
        }
    }
    let covered = |mut ranges: Ranges| {
        ranges.sort_unstable();
        let mut total = 0u128;
        let mut reached = 0u128;
        for (start, end) in ranges {
            let start = start.max(reached);
            if end > start {
                total += end - start;
                reached = end;
            }
        }
        total
    };
    let half_v4 = 1u128 << 31;
    let half_v6 = 1u128 << 127;
    (covered(v4) >= half_v4 || covered(v6) >= half_v6).then(|| {
        const SHOWN: usize = 4;
        let mut shown = sources[..sources.len().min(SHOWN)].join(", ");
        if sources.len() > SHOWN {
            shown.push_str(&format!(" and {} more", sources.len() - SHOWN));
        }
        format!("{shown} (together half or more of all addresses)")
    })
}

/// The types [`ingresses`] reads: other payloads are not parsed at all.
const INGRESS_TYPES: &[&str] = &[
    "aws_security_group",
    "aws_security_group_rule",
    "aws_vpc_security_group_ingress_rule",
    "google_compute_firewall",
    "azurerm_network_security_rule",
    "azurerm_network_security_group",
];

fn ingresses(resource_type: &str, object: &Value) -> Vec<Ingress> {
    let text = |value: Option<&Value>| value.and_then(Value::as_str).unwrap_or_default().to_owned();
    let list = |value: Option<&Value>| -> Vec<String> {
        match value {
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
            Some(Value::String(single)) if !single.is_empty() => vec![single.clone()],
            _ => Vec::new(),
        }
    };
    let port_range = |rule: &Value, protocol_key: &str| -> Vec<(u32, u32)> {
        let protocol = text(rule.get(protocol_key));
        if protocol == "-1" || protocol.eq_ignore_ascii_case("all") {
            return Vec::new();
        }
        let from = rule.get("from_port").and_then(Value::as_u64).unwrap_or(0) as u32;
        let to = rule.get("to_port").and_then(Value::as_u64).unwrap_or(65535) as u32;
        if from == 0 && (to == 0 || to == 65535) {
            Vec::new()
        } else {
            vec![(from, to)]
        }
    };
    let mut found = Vec::new();
    match resource_type {
        "aws_security_group" => {
            for (path, rule) in payload::lookup(object, "ingress[*]") {
                let mut sources = list(rule.get("cidr_blocks"));
                sources.extend(list(rule.get("ipv6_cidr_blocks")));
                found.push(Ingress {
                    path,
                    sources,
                    ports: port_range(rule, "protocol"),
                });
            }
        }
        "aws_security_group_rule" if text(object.get("type")) == "ingress" => {
            let mut sources = list(object.get("cidr_blocks"));
            sources.extend(list(object.get("ipv6_cidr_blocks")));
            found.push(Ingress {
                path: "cidr_blocks".to_owned(),
                sources,
                ports: port_range(object, "protocol"),
            });
        }
        "aws_vpc_security_group_ingress_rule" => {
            // One rule holds one of the two; the path names the one it has.
            for attribute in ["cidr_ipv4", "cidr_ipv6"] {
                let sources = list(object.get(attribute));
                if !sources.is_empty() {
                    found.push(Ingress {
                        path: attribute.to_owned(),
                        sources,
                        ports: port_range(object, "ip_protocol"),
                    });
                }
            }
        }
        "google_compute_firewall" if text(object.get("direction")) != "EGRESS" => {
            let sources = list(object.get("source_ranges"));
            for (path, allow) in payload::lookup(object, "allow[*]") {
                let protocol = text(allow.get("protocol"));
                let ports = if protocol == "all" {
                    Vec::new()
                } else {
                    list(allow.get("ports"))
                        .iter()
                        .filter_map(|range| parse_range(range))
                        .collect()
                };
                found.push(Ingress {
                    path,
                    sources: sources.clone(),
                    ports,
                });
            }
        }
        "azurerm_network_security_rule" => found.extend(azure_rule("", object)),
        "azurerm_network_security_group" => {
            for (path, rule) in payload::lookup(object, "security_rule[*]") {
                found.extend(azure_rule(&path, rule));
            }
        }
        _ => {}
    }
    debug_assert!(
        found.is_empty() || INGRESS_TYPES.contains(&resource_type),
        "{resource_type} is read by `ingresses` but missing from INGRESS_TYPES"
    );
    found
}

fn azure_rule(path: &str, rule: &Value) -> Option<Ingress> {
    let field = |key: &str| rule.get(key).and_then(Value::as_str).unwrap_or_default();
    if !field("direction").eq_ignore_ascii_case("inbound")
        || !field("access").eq_ignore_ascii_case("allow")
    {
        return None;
    }
    let mut sources: Vec<String> = vec![field("source_address_prefix").to_owned()];
    if let Some(Value::Array(prefixes)) = rule.get("source_address_prefixes") {
        sources.extend(prefixes.iter().filter_map(Value::as_str).map(str::to_owned));
    }
    let sources = sources
        .into_iter()
        .map(|source| {
            if source == "*" || source.eq_ignore_ascii_case("internet") {
                "0.0.0.0/0".to_owned()
            } else {
                source
            }
        })
        .collect();
    let mut ranges: Vec<String> = vec![field("destination_port_range").to_owned()];
    if let Some(Value::Array(more)) = rule.get("destination_port_ranges") {
        ranges.extend(more.iter().filter_map(Value::as_str).map(str::to_owned));
    }
    let ports = if ranges.iter().any(|range| range == "*") {
        Vec::new()
    } else {
        ranges
            .iter()
            .filter_map(|range| parse_range(range))
            .collect()
    };
    Some(Ingress {
        path: if path.is_empty() {
            "source_address_prefix".to_owned()
        } else {
            path.to_owned()
        },
        sources,
        ports,
    })
}

fn parse_range(range: &str) -> Option<(u32, u32)> {
    match range.split_once('-') {
        Some((from, to)) => Some((from.trim().parse().ok()?, to.trim().parse().ok()?)),
        None => {
            let port = range.trim().parse().ok()?;
            Some((port, port))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::drafts;

    const PARAMS: &str = "[params]\nports = [22, 3389, 5432]\nsources = [\"0.0.0.0/0\", \"::/0\"]";

    fn plan(resource_type: &str, after: &str) -> String {
        format!(
            r#"{{"format_version":"1.2","resource_changes":[{{"address":"{resource_type}.x","type":"{resource_type}","name":"x","change":{{"actions":["create"],"before":null,"after":{after}}}}}]}}"#
        )
    }

    #[test]
    fn an_opening_written_into_before_alone_is_not_taken_as_already_open() {
        use super::super::testing::update_with_prior;
        let open = r#"{"ingress":[{"from_port":22,"to_port":22,"protocol":"tcp","cidr_blocks":["0.0.0.0/0"]}]}"#;
        let closed = r#"{"ingress":[{"from_port":22,"to_port":22,"protocol":"tcp","cidr_blocks":["10.0.0.0/8"]}]}"#;
        let edited = update_with_prior("aws_security_group", open, open, closed);
        assert_eq!(drafts("open-ingress", PARAMS, &edited).len(), 1);
        let kept = update_with_prior("aws_security_group", open, open, open);
        assert!(drafts("open-ingress", PARAMS, &kept).is_empty());
    }

    #[test]
    fn a_marked_range_is_not_listed_port_by_port() {
        let group = r#"{"ingress":[{"from_port":20,"to_port":3400,"protocol":"tcp","cidr_blocks":["0.0.0.0/0"],"ipv6_cidr_blocks":[]}]}"#;
        let marked = plan("aws_security_group", group).replace(
            r#""before":null"#,
            r#""after_sensitive":{"ingress":true},"before":null"#,
        );
        let found = drafts("open-ingress", PARAMS, &marked);
        assert_eq!(found.len(), 1);
        assert!(!found[0].message.contains("22"), "{}", found[0].message);
        assert!(!found[0].message.contains("3389"), "{}", found[0].message);
        let plain = drafts("open-ingress", PARAMS, &plan("aws_security_group", group));
        assert!(
            plain[0].message.contains("port 22, 3389"),
            "{}",
            plain[0].message
        );
    }

    #[test]
    fn the_whole_internet_split_in_ranges_is_open() {
        let group = |cidrs: &str| {
            format!(
                r#"{{"ingress":[{{"from_port":22,"to_port":22,"protocol":"tcp","cidr_blocks":{cidrs},"ipv6_cidr_blocks":[]}}]}}"#
            )
        };
        let halves = drafts(
            "open-ingress",
            PARAMS,
            &plan(
                "aws_security_group",
                &group(r#"["0.0.0.0/1","128.0.0.0/1"]"#),
            ),
        );
        assert_eq!(halves.len(), 1);
        let eighths: Vec<String> = (0..=255)
            .map(|first| format!(r#""{first}.0.0.0/8""#))
            .collect();
        let all = group(&format!("[{}]", eighths.join(",")));
        assert_eq!(
            drafts("open-ingress", PARAMS, &plan("aws_security_group", &all)).len(),
            1
        );
        // Four rules of a quarter each open it together.
        let quarters: Vec<String> = (0..4)
            .map(|quarter| {
                format!(
                    r#"{{"from_port":22,"to_port":22,"protocol":"tcp","cidr_blocks":["{}.0.0.0/2"],"ipv6_cidr_blocks":[]}}"#,
                    quarter * 64
                )
            })
            .collect();
        let split = format!(r#"{{"ingress":[{}]}}"#, quarters.join(","));
        assert_eq!(
            drafts("open-ingress", PARAMS, &plan("aws_security_group", &split)).len(),
            1
        );
        let one = format!(r#"{{"ingress":[{}]}}"#, quarters[..1].join(","));
        assert!(drafts("open-ingress", PARAMS, &plan("aws_security_group", &one)).is_empty());
        // Every IPv6 address, spelled any way a `/0` can be.
        for any in ["::0/0", "0:0:0:0:0:0:0:0/0", "2001:db8::/0"] {
            let ipv6 = format!(
                r#"{{"ingress":[{{"from_port":22,"to_port":22,"protocol":"tcp","cidr_blocks":[],"ipv6_cidr_blocks":["{any}"]}}]}}"#
            );
            assert_eq!(
                drafts("open-ingress", PARAMS, &plan("aws_security_group", &ipv6)).len(),
                1,
                "{any}"
            );
        }
        // An office range, or a quarter of the internet, is not.
        for cidrs in [r#"["203.0.113.0/24"]"#, r#"["0.0.0.0/2","0.0.0.0/2"]"#] {
            let quiet = drafts(
                "open-ingress",
                PARAMS,
                &plan("aws_security_group", &group(cidrs)),
            );
            assert!(quiet.is_empty(), "{cidrs}");
        }
    }

    #[test]
    fn ssh_and_rdp_from_anywhere_fire() {
        let group = r#"{"ingress":[{"from_port":22,"to_port":22,"protocol":"tcp","cidr_blocks":["0.0.0.0/0"],"ipv6_cidr_blocks":[]}]}"#;
        assert_eq!(
            drafts("open-ingress", PARAMS, &plan("aws_security_group", group)).len(),
            1
        );
        let rule = r#"{"from_port":3389,"to_port":3389,"ip_protocol":"tcp","cidr_ipv6":"::/0","cidr_ipv4":null}"#;
        let found = drafts(
            "open-ingress",
            PARAMS,
            &plan("aws_vpc_security_group_ingress_rule", rule),
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].evidence[0].path, "cidr_ipv6");
        let firewall = r#"{"direction":"INGRESS","source_ranges":["0.0.0.0/0"],"allow":[{"protocol":"tcp","ports":["20-30"]}]}"#;
        assert_eq!(
            drafts(
                "open-ingress",
                PARAMS,
                &plan("google_compute_firewall", firewall)
            )
            .len(),
            1
        );
    }

    #[test]
    fn https_from_anywhere_and_ssh_from_inside_are_quiet() {
        let group = r#"{"ingress":[{"from_port":443,"to_port":443,"protocol":"tcp","cidr_blocks":["0.0.0.0/0"]},{"from_port":22,"to_port":22,"protocol":"tcp","cidr_blocks":["10.0.0.0/8"]}]}"#;
        assert!(drafts("open-ingress", PARAMS, &plan("aws_security_group", group)).is_empty());
    }
}
