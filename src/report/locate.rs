//! Finding a resource's block in the Terraform configuration beside a plan.
//!
//! The root module is the plan file's directory, or its parent, when it holds
//! `*.tf` (or `*.tofu`) files; for standard input, the current directory.
//! An address's module calls are followed through `module "NAME"` blocks
//! whose `source` is a local path (`./…`, `../…`); then the module
//! directory's files are parsed (`hcl-edit`) for `resource "TYPE" "NAME"`
//! (or `data`) blocks.
//! A module from a registry or a Git URL is not read: its resources are
//! located on the `module` block that calls it. What is not found is located
//! on the plan file, line 1.
//!
//! URIs are relative to the repository root (the nearest directory above the
//! file holding `.git`), else to the current directory, else absolute
//! `file://` URIs.
//!
//! Run at most once per report (`places.rs`), so SARIF (results and code flows) and
//! GitHub annotations point at the same `.tf` line without reading files.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use std::rc::Rc;

use hcl_edit::Span;
use hcl_edit::expr::Expression;

use crate::model::Address;

/// A file and a 1-based line, as SARIF wants it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub uri: String,
    pub line: usize,
    /// When the block was found in the configuration: its file as a plain
    /// path relative to the repository root (else the current directory),
    /// `/`-separated, as GitHub's annotations want it; `None` for the plan
    /// fallback.
    pub config_file: Option<String>,
}

/// Where a plan came from and where its configuration is.
#[derive(Debug, Clone)]
pub struct PlanSite {
    label: String,
    file: Option<PathBuf>,
    root: Option<PathBuf>,
}

impl PlanSite {
    pub fn root(&self) -> Option<&Path> {
        self.root.as_deref()
    }
}

/// A top-level block of a `.tf` file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    pub kind: String,
    pub labels: Vec<String>,
    /// 1-based line of the block's first word.
    pub line: usize,
    /// The literal `source = "…"` among its attributes (module calls).
    pub source: Option<String>,
}

struct ConfigFile {
    path: PathBuf,
    /// The line of the first block of each kind and labels (see
    /// [`block_key`]): a linear look through every block for each finding
    /// took 29 s for 40,000 findings in a 40,000-block file.
    lines: HashMap<String, usize>,
    /// The literal `source` of the first module block of each name.
    module_sources: HashMap<String, Option<String>>,
}

impl ConfigFile {
    fn line_of(&self, kind: &str, labels: &[&str]) -> Option<usize> {
        self.lines.get(&block_key(kind, labels)).copied()
    }
}

/// One string for a block's kind and labels (NUL cannot be in either).
fn block_key<S: AsRef<str>>(kind: &str, labels: &[S]) -> String {
    let mut key = kind.to_owned();
    for label in labels {
        key.push('\0');
        key.push_str(label.as_ref());
    }
    key
}

#[derive(Default)]
pub struct Locator {
    cwd: Option<PathBuf>,
    dirs: HashMap<PathBuf, Rc<Vec<ConfigFile>>>,
    repos: HashMap<PathBuf, Option<PathBuf>>,
    /// [`Locator::relative`]'s answers, by the path asked about.
    relatives: HashMap<PathBuf, Result<PathBuf, PathBuf>>,
}

impl Locator {
    pub fn new() -> Self {
        Self {
            cwd: std::env::current_dir()
                .ok()
                .map(|cwd| cwd.canonicalize().unwrap_or(cwd)),
            ..Self::default()
        }
    }

    /// Reads a plan's label (`path`, `path (document 2 of 3)` or `<stdin>`).
    pub fn plan(&mut self, label: &str) -> PlanSite {
        let (file, dir, several) = if label == "<stdin>" {
            (None, self.cwd.clone(), false)
        } else {
            let (path, several) = match document_suffix(label) {
                Some(path) => (path, true),
                None => (label, false),
            };
            let file = PathBuf::from(path);
            let dir = file.parent().map(|dir| {
                if dir.as_os_str().is_empty() {
                    PathBuf::from(".")
                } else {
                    dir.to_path_buf()
                }
            });
            (Some(file), dir, several)
        };
        // One file holding several plans (Terragrunt) does not sit beside
        // any one configuration.
        let root = dir.filter(|_| !several).and_then(|dir| {
            [Some(dir.as_path()), dir.parent()]
                .into_iter()
                .flatten()
                .find(|candidate| !self.files(candidate).is_empty())
                .map(Path::to_path_buf)
        });
        PlanSite {
            label: label.to_owned(),
            file,
            root,
        }
    }

    /// Where `address` is: its block, else the plan.
    pub fn place(&mut self, site: &PlanSite, address: &str) -> Place {
        let found = site.root.as_deref().and_then(|root| {
            let address = address.parse::<Address>().ok()?;
            self.find(root, &address)
        });
        if let Some((path, line)) = found {
            return Place {
                uri: self.uri(&path),
                line,
                config_file: self.relative(&path).ok().map(|relative| {
                    relative
                        .components()
                        .map(|part| part.as_os_str().to_string_lossy())
                        .collect::<Vec<_>>()
                        .join("/")
                }),
            };
        }
        let fallback = match (&site.file, &site.root) {
            (Some(file), _) => Some(file.clone()),
            // Standard input: the root module's main file.
            (None, Some(root)) => {
                let files = self.files(root);
                files
                    .iter()
                    .find(|file| file.path.file_name().is_some_and(|name| name == "main.tf"))
                    .or(files.first())
                    .map(|file| file.path.clone())
            }
            (None, None) => None,
        };
        Place {
            uri: match fallback {
                Some(path) => self.uri(&path),
                None => encode(&site.label),
            },
            line: 1,
            config_file: None,
        }
    }

    /// The file and line of `address`'s block below the root module `root`,
    /// or of the nearest module call found on the way.
    pub fn find(&mut self, root: &Path, address: &Address) -> Option<(PathBuf, usize)> {
        let mut dir = root.to_path_buf();
        let mut call: Option<(PathBuf, usize)> = None;
        for step in &address.module {
            let files = self.files(&dir);
            let Some((path, line, source)) = files.iter().find_map(|file| {
                let line = file.line_of("module", &[step.name.as_str()])?;
                let source = file.module_sources.get(&step.name);
                Some((&file.path, line, source))
            }) else {
                return call;
            };
            call = Some((path.clone(), line));
            match source
                .and_then(Option::as_deref)
                .filter(|source| is_local(source))
            {
                Some(source) if dir.join(source).is_dir() => dir = dir.join(source),
                _ => return call,
            }
        }
        let kind = if address.is_data() {
            "data"
        } else {
            "resource"
        };
        let labels = [address.resource_type.as_str(), address.name.as_str()];
        self.files(&dir)
            .iter()
            .find_map(|file| Some((file.path.clone(), file.line_of(kind, &labels)?)))
            .or(call)
    }

    /// The configuration files of `dir`, parsed once: `*.tf` and `*.tofu`,
    /// by name, override files last.
    fn files(&mut self, dir: &Path) -> Rc<Vec<ConfigFile>> {
        let key = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
        if let Some(files) = self.dirs.get(&key) {
            return Rc::clone(files);
        }
        let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
            .map(|entries| {
                entries
                    .flatten()
                    .map(|entry| entry.path())
                    .filter(|path| {
                        path.extension()
                            .is_some_and(|extension| extension == "tf" || extension == "tofu")
                            && path.is_file()
                    })
                    .collect()
            })
            .unwrap_or_default();
        paths.sort_by_key(|path| {
            let stem = path
                .file_stem()
                .map(|stem| stem.to_string_lossy().into_owned())
                .unwrap_or_default();
            (
                stem == "override" || stem.ends_with("_override"),
                path.clone(),
            )
        });
        let files: Vec<ConfigFile> = paths
            .into_iter()
            .filter_map(|path| {
                let bytes = std::fs::read(&path).ok()?;
                let blocks = blocks(&String::from_utf8_lossy(&bytes));
                let mut lines = HashMap::default();
                let mut module_sources = HashMap::default();
                for block in blocks {
                    if block.kind == "module"
                        && let [name] = block.labels.as_slice()
                    {
                        module_sources
                            .entry(name.clone())
                            .or_insert_with(|| block.source.clone());
                    }
                    lines
                        .entry(block_key(&block.kind, &block.labels))
                        .or_insert(block.line);
                }
                Some(ConfigFile {
                    path,
                    lines,
                    module_sources,
                })
            })
            .collect();
        let files = Rc::new(files);
        self.dirs.insert(key, Rc::clone(&files));
        files
    }

    /// `path` as a URI reference: relative to its repository root, else to
    /// the current directory, else an absolute `file://` URI.
    pub fn uri(&mut self, path: &Path) -> String {
        match self.relative(path) {
            Ok(relative) => encode_path(&relative),
            Err(absolute) => format!("file://{}", encode_path(&absolute)),
        }
    }

    /// `path` relative to its repository root, else to the current
    /// directory; else (`Err`) the absolute path.
    fn relative(&mut self, path: &Path) -> Result<PathBuf, PathBuf> {
        if let Some(known) = self.relatives.get(path) {
            return known.clone();
        }
        let relative = self.relative_uncached(path);
        self.relatives.insert(path.to_path_buf(), relative.clone());
        relative
    }

    fn relative_uncached(&mut self, path: &Path) -> Result<PathBuf, PathBuf> {
        let absolute = match path.canonicalize() {
            Ok(absolute) => absolute,
            Err(_) => match &self.cwd {
                Some(cwd) if path.is_relative() => cwd.join(path),
                _ => path.to_path_buf(),
            },
        };
        let repo = absolute.parent().and_then(|dir| self.repository(dir));
        let relative = repo
            .as_deref()
            .and_then(|repo| absolute.strip_prefix(repo).ok())
            .or_else(|| {
                self.cwd
                    .as_deref()
                    .and_then(|cwd| absolute.strip_prefix(cwd).ok())
            });
        match relative {
            Some(relative) => Ok(relative.to_path_buf()),
            None => Err(absolute.clone()),
        }
    }

    /// The nearest directory at or above `dir` holding `.git` (a directory,
    /// or a file in worktrees and submodules): what `git rev-parse
    /// --show-toplevel` prints, without running git.
    fn repository(&mut self, dir: &Path) -> Option<PathBuf> {
        if let Some(known) = self.repos.get(dir) {
            return known.clone();
        }
        let found = dir
            .ancestors()
            .find(|ancestor| ancestor.join(".git").exists())
            .map(Path::to_path_buf);
        self.repos.insert(dir.to_path_buf(), found.clone());
        found
    }
}

/// A resource instance address (not `(plan)` or a provider).
pub fn is_resource(address: &str) -> bool {
    address.parse::<Address>().is_ok()
}

/// `path` of a `path (document N of M)` label.
fn document_suffix(label: &str) -> Option<&str> {
    let (path, rest) = label.rsplit_once(" (document ")?;
    let (n, m) = rest.strip_suffix(')')?.split_once(" of ")?;
    (n.parse::<usize>().is_ok() && m.parse::<usize>().is_ok()).then_some(path)
}

/// Terraform's local module sources; anything else is fetched by `init`.
fn is_local(source: &str) -> bool {
    ["./", "../", ".\\", "..\\"]
        .iter()
        .any(|prefix| source.starts_with(prefix))
}

fn encode_path(path: &Path) -> String {
    let mut parts = Vec::new();
    for component in path.components() {
        match component {
            Component::RootDir => parts.push(String::new()),
            Component::Normal(part) => parts.push(encode(&part.to_string_lossy())),
            Component::CurDir => {}
            Component::ParentDir => parts.push("..".to_owned()),
            Component::Prefix(prefix) => parts.push(encode(&prefix.as_os_str().to_string_lossy())),
        }
    }
    let joined = parts.join("/");
    if joined.is_empty() {
        ".".to_owned()
    } else {
        joined
    }
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
pub fn encode(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            encoded.push(byte as char);
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

/// The top-level blocks of a `.tf` file, with each block's literal
/// `source` attribute, parsed with `hcl-edit`. A file that is not valid HCL
/// has no blocks: what is in it is located on the module call or the plan,
/// as terraform itself would refuse the configuration.
pub fn blocks(text: &str) -> Vec<Block> {
    // Editors on Windows may start a file with a byte-order mark.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let Ok(body) = hcl_edit::parser::parse_body(text) else {
        return Vec::new();
    };
    // Counting the newlines before each block was quadratic in a large
    // file: where each line starts, once, and a search per block.
    let newlines: Vec<usize> = memchr::memchr_iter(b'\n', text.as_bytes()).collect();
    let line_of = |offset: usize| newlines.partition_point(|&newline| newline < offset) + 1;
    body.blocks()
        .map(|block| Block {
            kind: block.ident.as_str().to_owned(),
            labels: block
                .labels
                .iter()
                .map(|label| label.as_str().to_owned())
                .collect(),
            line: block.ident.span().map_or(1, |span| line_of(span.start)),
            source: block.body.get_attribute("source").and_then(|attribute| {
                match &attribute.value {
                    Expression::String(source) => Some(source.value().clone()),
                    _ => None,
                }
            }),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn find(blocks: &[Block], kind: &str, labels: &[&str]) -> Option<usize> {
        blocks
            .iter()
            .find(|block| block.kind == kind && block.labels == labels)
            .map(|block| block.line)
    }

    #[test]
    fn top_level_blocks_with_their_lines() {
        let text = r#"
resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
  tags = { Name = "x" }
}

data "aws_ami" "ubuntu" {}
resource aws_subnet bare { vpc_id = aws_vpc.main.id }
module "app" {
  source   = "./modules/app"
  for_each = { a = 1 }
}
"#;
        let blocks = blocks(text);
        assert_eq!(find(&blocks, "resource", &["aws_vpc", "main"]), Some(2));
        assert_eq!(find(&blocks, "data", &["aws_ami", "ubuntu"]), Some(7));
        assert_eq!(find(&blocks, "resource", &["aws_subnet", "bare"]), Some(8));
        assert_eq!(find(&blocks, "module", &["app"]), Some(9));
        assert_eq!(blocks[3].source.as_deref(), Some("./modules/app"));
        assert_eq!(
            blocks.len(),
            4,
            "nested blocks are not top-level: {blocks:?}"
        );
    }

    #[test]
    fn comments_strings_and_heredocs_hide_lookalikes() {
        let text = r#"# resource "aws_vpc" "commented" {
/* resource "aws_vpc" "block_comment" {
} */
resource "aws_iam_policy" "p" {
  policy = <<-EOT
resource "aws_vpc" "in_heredoc" {
}
  EOT
  description = "braces } { in ${jsonencode({ a = "}" })} a string"
  name = "%{ if true }x%{ endif }"
}
// resource "aws_vpc" "slashes" {}
resource "aws_vpc" "real" {
}
"#;
        let blocks = blocks(text);
        let names: Vec<_> = blocks.iter().map(|block| block.labels.join(".")).collect();
        assert_eq!(names, ["aws_iam_policy.p", "aws_vpc.real"]);
        assert_eq!(blocks[1].line, 13);
    }

    #[test]
    fn only_a_literal_source_counts() {
        let blocks = blocks(
            "module \"a\" {\n  source = \"${path.module}/x\"\n}\nmodule \"b\" {\n  inner {\n    source = \"./no\"\n  }\n  source = \"../b\"\n}\n",
        );
        assert_eq!(blocks[0].source, None);
        assert_eq!(blocks[1].source.as_deref(), Some("../b"));
    }

    #[test]
    fn a_file_that_is_not_hcl_has_no_blocks() {
        assert!(blocks("resource \"aws_vpc\" \"main\" {\n  cidr_block = \n").is_empty());
        assert_eq!(blocks("\u{feff}# ü\nresource \"a\" \"b\" {}\n")[0].line, 2);
    }

    #[test]
    fn labels_of_documents_and_uris() {
        assert_eq!(
            document_suffix("a b/plans.json (document 2 of 3)"),
            Some("a b/plans.json")
        );
        assert_eq!(document_suffix("plan.json"), None);
        assert_eq!(
            encode_path(Path::new("a b/ü/main.tf")),
            "a%20b/%C3%BC/main.tf"
        );
        assert_eq!(encode("<stdin>"), "%3Cstdin%3E");
        assert!(is_local("./modules/app") && is_local("../shared"));
        assert!(!is_local("terraform-aws-modules/vpc/aws") && !is_local("git::https://x"));
    }
}
