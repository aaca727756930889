//! What the analysis keeps of `planned_values` once validation has read it.
//!
//! `planned_values` lists every object the plan keeps or creates, with its
//! attribute values: a quarter to a third of a plan's text (13 of 56 MB in
//! the 10k-resource synthetic plan, 22 of 75 MB in the 100k chain). After
//! validation only the graph reads it, and only for the listings no other
//! section has (a node per address). Those are kept, owned; the rest of the
//! section, and the text it was parsed from, can go before the analysis
//! builds its graph (where a check peaked until they did).

use std::ops::Range;

use rustc_hash::FxHashSet;

use super::plan::{Document, Values};

/// A resource `planned_values` lists and neither the prior state nor
/// `resource_changes` does: without it, a reference through it (a data
/// source read only at plan time, say) would lose its step in the graph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedOnly {
    pub address: String,
    pub resource_type: String,
    pub is_data: bool,
}

impl<'a> Document<'a> {
    /// Takes `planned_values` out of the document, keeping its listings no
    /// other section has in [`Document::planned_only`]. Returns the section
    /// and where its text lies in `text` (the text the document was parsed
    /// from): nothing the document still holds borrows from that range.
    /// Call it after validation, which reads the section whole.
    pub fn let_go_of_planned_values(
        &mut self,
        text: &'a str,
    ) -> Option<(Values<'a>, Range<usize>)> {
        let planned = self.planned_values.take()?;
        let mut listed: FxHashSet<&str> = FxHashSet::default();
        let state_count = self
            .prior_values()
            .map_or(0, |values| values.root_module.resource_count());
        let change_count = self.resource_changes.as_ref().map_or(0, Vec::len);
        listed.reserve(state_count + change_count);
        if let Some(prior) = self.prior_values() {
            listed.extend(
                prior
                    .root_module
                    .all_resources()
                    .map(|resource| &*resource.address),
            );
        }
        listed.extend(
            self.resource_changes
                .iter()
                .flatten()
                .map(|change| &*change.address),
        );
        let mut span = TextSpan::within(text);
        let mut planned_only = Vec::new();
        for resource in planned.root_module.all_resources() {
            span.cover(&resource.address);
            if let Some(values) = resource.values {
                span.cover(values.get());
            }
            if !listed.contains(&*resource.address) {
                planned_only.push(PlannedOnly {
                    address: resource.address.to_string(),
                    resource_type: resource.resource_type.to_string(),
                    is_data: resource.is_data(),
                });
            }
        }
        self.planned_only = planned_only;
        if let Some(outputs) = planned.outputs {
            span.cover(outputs.get());
        }
        let range = span.range.unwrap_or(0..0);
        Some((planned, range))
    }
}

/// The smallest range of `text` that holds every slice covered so far;
/// slices from elsewhere (strings unescaped into their own allocation) are
/// not part of it.
struct TextSpan<'t> {
    text: &'t str,
    range: Option<Range<usize>>,
}

impl<'t> TextSpan<'t> {
    fn within(text: &'t str) -> Self {
        Self { text, range: None }
    }

    fn cover(&mut self, slice: &str) {
        let base = self.text.as_ptr() as usize;
        let start = slice.as_ptr() as usize;
        if start < base || start + slice.len() > base + self.text.len() {
            return;
        }
        let (start, end) = (start - base, start - base + slice.len());
        self.range = Some(match self.range.take() {
            Some(range) => range.start.min(start)..range.end.max(end),
            None => start..end,
        });
    }
}

#[cfg(test)]
mod tests {
    use crate::model::parse_document;

    #[test]
    fn letting_go_keeps_the_listings_no_other_section_has_and_finds_the_section_text() {
        let text = r#"{"format_version":"1.2","planned_values":{"root_module":{"resources":[{"address":"a.kept","mode":"managed","type":"a","name":"kept","values":{"id":"1"}},{"address":"data.b.read","mode":"data","type":"b","name":"read","values":{"id":"2"}}],"child_modules":[{"address":"module.m","resources":[{"address":"module.m.c.\u006eew","mode":"managed","type":"c","name":"new","values":{"id":"3"}}]}]}},"resource_changes":[{"address":"a.kept","mode":"managed","type":"a","name":"kept","change":{"actions":["no-op"],"before":{"id":"1"},"after":{"id":"1"}}}],"prior_state":{"values":{"root_module":{"resources":[{"address":"a.kept","mode":"managed","type":"a","name":"kept","values":{"id":"1"}}]}}}}"#;
        let mut document = parse_document(text).unwrap();
        let (planned, range) = document.let_go_of_planned_values(text).unwrap();
        assert!(document.planned_values.is_none());
        assert_eq!(planned.root_module.resource_count(), 3);
        let kept: Vec<(&str, bool)> = document
            .planned_only
            .iter()
            .map(|listing| (listing.address.as_str(), listing.is_data))
            .collect();
        assert_eq!(kept, [("data.b.read", true), ("module.m.c.new", false)]);
        // From the first address to the last values, inside the section.
        let section = &text[range];
        assert!(section.starts_with(r#"a.kept","mode""#), "{section}");
        assert!(section.ends_with(r#"{"id":"3"}"#), "{section}");
        assert!(!section.contains("resource_changes"), "{section}");
        // Taken once: a second call finds nothing.
        assert!(document.let_go_of_planned_values(text).is_none());
    }
}
