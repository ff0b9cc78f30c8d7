//! YAML front matter read into a tree that remembers the line of every node, so that
//! errors can name the line of the offending key. Scalars keep their text; the reader in
//! `fields` decides what type a key needs.

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// The scalar's text, and whether it was written plain (unquoted): only plain
    /// scalars can be null, booleans or numbers.
    Scalar(String, bool),
    Seq(Vec<Node>),
    Map(Vec<(String, Node)>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: Value,
    /// 1-based line within the YAML text.
    pub line: usize,
}

impl Node {
    pub fn is_null(&self) -> bool {
        matches!(&self.value, Value::Scalar(s, true) if matches!(s.as_str(), "" | "~" | "null" | "Null" | "NULL"))
    }

    pub fn type_name(&self) -> &'static str {
        match &self.value {
            _ if self.is_null() => "nothing",
            Value::Scalar(..) => "a single value",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a map",
        }
    }
}

/// A YAML syntax error with its 1-based line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    pub line: usize,
    pub message: String,
}

enum Frame {
    Seq(Vec<Node>, usize),
    Map(Vec<(String, Node)>, usize, Option<(String, usize)>),
}

#[derive(Default)]
struct Builder {
    stack: Vec<Frame>,
    root: Option<Node>,
    error: Option<YamlError>,
}

impl Builder {
    fn fail(&mut self, line: usize, message: impl Into<String>) {
        if self.error.is_none() {
            self.error = Some(YamlError {
                line,
                message: message.into(),
            });
        }
    }

    fn push(&mut self, node: Node) {
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some(Frame::Seq(items, _)) => items.push(node),
            Some(Frame::Map(entries, _, pending)) => match pending.take() {
                None => match node.value {
                    Value::Scalar(key, _) => {
                        if entries.iter().any(|(k, _)| *k == key) {
                            let line = node.line;
                            self.fail(line, format!("the key '{key}' appears twice"));
                        } else if let Some(Frame::Map(_, _, pending)) = self.stack.last_mut() {
                            *pending = Some((key, node.line));
                        }
                    }
                    _ => self.fail(node.line, "a key must be a plain word, not a list or a map"),
                },
                Some((key, _)) => entries.push((key, node)),
            },
        }
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        let line = mark.line();
        match ev {
            Event::Scalar(text, style, _, _) => self.push(Node {
                value: Value::Scalar(text, style == TScalarStyle::Plain),
                line,
            }),
            Event::SequenceStart(..) => self.stack.push(Frame::Seq(Vec::new(), line)),
            Event::MappingStart(..) => self.stack.push(Frame::Map(Vec::new(), line, None)),
            Event::SequenceEnd | Event::MappingEnd => match self.stack.pop() {
                Some(Frame::Seq(items, line)) => self.push(Node {
                    value: Value::Seq(items),
                    line,
                }),
                Some(Frame::Map(entries, line, _)) => self.push(Node {
                    value: Value::Map(entries),
                    line,
                }),
                None => {}
            },
            Event::Alias(_) => self.fail(line, "YAML aliases (*name) are not supported here"),
            _ => {}
        }
    }
}

/// Parses one YAML document. An empty document gives `None`.
pub fn parse(src: &str) -> Result<Option<Node>, YamlError> {
    let mut builder = Builder::default();
    let mut parser = Parser::new_from_str(src);
    parser.load(&mut builder, false).map_err(|e| YamlError {
        line: e.marker().line().max(1),
        message: e.info().to_owned(),
    })?;
    match builder.error {
        Some(e) => Err(e),
        None => Ok(builder.root.filter(|n| !n.is_null())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nodes_carry_their_lines() {
        let n = parse("title: a\nkeywords:\n  - x\n  - y\n")
            .unwrap()
            .unwrap();
        let Value::Map(entries) = n.value else {
            panic!()
        };
        assert_eq!(entries[0].0, "title");
        assert_eq!(entries[0].1.line, 1);
        assert_eq!(entries[1].1.line, 3);
    }

    #[test]
    fn quoted_scalars_are_not_plain() {
        let n = parse("a: \"3.2\"\nb: 3.2\n").unwrap().unwrap();
        let Value::Map(e) = n.value else { panic!() };
        assert_eq!(e[0].1.value, Value::Scalar("3.2".into(), false));
        assert_eq!(e[1].1.value, Value::Scalar("3.2".into(), true));
    }

    #[test]
    fn a_duplicate_key_is_an_error_on_its_line() {
        let err = parse("title: a\nid: 1\ntitle: b\n").unwrap_err();
        assert_eq!(err.line, 3);
        assert!(err.message.contains("twice"), "{}", err.message);
    }

    #[test]
    fn a_syntax_error_names_its_line() {
        let err = parse("title: a\nkeywords: [x, y\nid: 3\n").unwrap_err();
        assert!(err.line >= 2, "{err:?}");
    }

    #[test]
    fn an_empty_document_is_none() {
        assert_eq!(parse("").unwrap(), None);
        assert_eq!(parse("# only a comment\n").unwrap(), None);
    }
}
