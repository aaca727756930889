//! Configuration references (`aws_vpc.main.id`, `var.x`, `module.net.ids`,
//! `data.aws_ami.x`, `aws_subnet.a[0]`) as traversal steps.

use crate::model::address::InstanceKey;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Name(String),
    Key(InstanceKey),
}

/// What a reference points at, before it is resolved in a module scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reference {
    Variable(String),
    /// `module.CALL[.OUTPUT]`
    ModuleOutput {
        call: String,
        output: Option<String>,
    },
    Local(String),
    /// `TYPE.NAME[KEY]` or `data.TYPE.NAME[KEY]`: `resource` is `TYPE.NAME` or `data.TYPE.NAME`.
    Resource {
        resource: String,
        key: Option<InstanceKey>,
    },
    /// `each.*`, `count.*`, `path.*`, `terraform.*`, `self.*`: no resource behind it.
    Builtin,
}

pub fn parse(text: &str) -> Option<Reference> {
    let steps = steps(text)?;
    let name = |index: usize| match steps.get(index) {
        Some(Step::Name(name)) => Some(name.clone()),
        _ => None,
    };
    let key = |index: usize| match steps.get(index) {
        Some(Step::Key(key)) => Some(key.clone()),
        _ => None,
    };
    let first = name(0)?;
    Some(match first.as_str() {
        "var" => Reference::Variable(name(1)?),
        "local" => Reference::Local(name(1)?),
        "each" | "count" | "path" | "terraform" | "self" => Reference::Builtin,
        "module" => {
            let call = name(1)?;
            let output_at = if key(2).is_some() { 3 } else { 2 };
            Reference::ModuleOutput {
                call,
                output: name(output_at),
            }
        }
        "data" => Reference::Resource {
            resource: format!("data.{}.{}", name(1)?, name(2)?),
            key: key(3),
        },
        resource_type => Reference::Resource {
            resource: format!("{resource_type}.{}", name(1)?),
            key: key(2),
        },
    })
}

fn steps(text: &str) -> Option<Vec<Step>> {
    let mut steps = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        let mut name = String::new();
        while let Some(&character) = chars.peek() {
            if character.is_alphanumeric() || character == '_' || character == '-' {
                name.push(character);
                chars.next();
            } else {
                break;
            }
        }
        if name.is_empty() {
            return None;
        }
        steps.push(Step::Name(name));
        while chars.peek() == Some(&'[') {
            chars.next();
            steps.push(Step::Key(key(&mut chars)?));
        }
        match chars.next() {
            None => return Some(steps),
            Some('.') => {}
            Some(_) => return None,
        }
    }
}

fn key(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Option<InstanceKey> {
    let key = if chars.peek() == Some(&'"') {
        chars.next();
        let mut text = String::new();
        loop {
            match chars.next()? {
                '"' => break,
                '\\' => match chars.next()? {
                    'n' => text.push('\n'),
                    'r' => text.push('\r'),
                    't' => text.push('\t'),
                    other => text.push(other),
                },
                other => text.push(other),
            }
        }
        InstanceKey::Str(text)
    } else {
        let mut digits = String::new();
        while let Some(&character) = chars.peek() {
            if character == ']' {
                break;
            }
            digits.push(character);
            chars.next();
        }
        // `aws_x.y[each.key]` cannot be resolved statically: all instances.
        InstanceKey::Int(digits.trim().parse().ok()?)
    };
    (chars.next()? == ']').then_some(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_kinds() {
        assert_eq!(
            parse("aws_subnet.app[0].id"),
            Some(Reference::Resource {
                resource: "aws_subnet.app".into(),
                key: Some(InstanceKey::Int(0))
            })
        );
        assert_eq!(
            parse(r#"data.aws_ami.x["a.b"]"#),
            Some(Reference::Resource {
                resource: "data.aws_ami.x".into(),
                key: Some(InstanceKey::Str("a.b".into()))
            })
        );
        assert_eq!(
            parse(r#"module.app["web"].ip"#),
            Some(Reference::ModuleOutput {
                call: "app".into(),
                output: Some("ip".into())
            })
        );
        assert_eq!(
            parse("module.app"),
            Some(Reference::ModuleOutput {
                call: "app".into(),
                output: None
            })
        );
        assert_eq!(parse("var.x"), Some(Reference::Variable("x".into())));
        assert_eq!(parse("local.tags"), Some(Reference::Local("tags".into())));
        assert_eq!(parse("each.value"), Some(Reference::Builtin));
        assert_eq!(parse("aws_vpc"), None);
    }
}
