use super::*;

fn inert(escaped: &str) {
    for raw in [
        '<', '>', '|', '`', '*', '[', ']', '~', '\n', '\r', '\u{202e}', '\u{1b}',
    ] {
        assert!(!escaped.contains(raw), "{raw:?} survives in {escaped:?}");
    }
    assert!(
        !escaped.contains('@') || escaped.contains("@&#8203;"),
        "{escaped}"
    );
}

#[test]
fn script_tags_become_entities() {
    let escaped = escape("<script>alert(1)</script>");
    assert_eq!(escaped, "&lt;script&gt;alert(1)&lt;/script&gt;");
    inert(&escaped);
}

#[test]
fn pipes_cannot_split_a_table_cell() {
    assert_eq!(escape("a|b"), "a&#124;b");
}

#[test]
fn backticks_cannot_open_a_code_span() {
    assert_eq!(escape("`x`"), "&#96;x&#96;");
}

#[test]
fn mentions_are_broken() {
    let escaped = escape("@org/team and mail@example.com");
    assert_eq!(
        escaped,
        "&#64;&#8203;org/team and mail&#64;&#8203;example.com"
    );
    inert(&escaped);
}

#[test]
fn newlines_and_controls_are_shown_not_obeyed() {
    let escaped = escape("line\nbreak\r\u{1b}[2J");
    assert_eq!(escaped, "line&#92;nbreak&#92;r&#92;u{1b}&#91;2J");
    inert(&escaped);
}

#[test]
fn links_and_images_are_not_links() {
    let escaped = escape("[link](javascript:x) ![i](https://evil.example/x.png) www.evil.example");
    assert_eq!(
        escaped,
        "&#91;link&#93;(javascript:x) &#33;&#91;i&#93;(https:&#8203;//evil.example/x.png) www&#8203;.evil.example"
    );
    inert(&escaped);
}

#[test]
fn bidi_overrides_are_visible() {
    let escaped = escape("gnp\u{202e}.exe");
    assert_eq!(escaped, "gnp&#92;u{202e}.exe");
}

#[test]
fn emphasis_headings_and_references_are_literal() {
    assert_eq!(
        escape("*b* _i_ ~~s~~"),
        "&#42;b&#42; &#95;i&#95; &#126;&#126;s&#126;&#126;"
    );
    assert_eq!(escape("# h #12"), "&#35; h &#35;&#8203;12");
    assert_eq!(escape("a & b $x$"), "a &amp; b &#36;x&#36;");
}

#[test]
fn ordinary_addresses_stay_readable() {
    assert_eq!(
        escape(r#"module.app["api"].aws_db_instance.this[0]"#),
        r#"module.app&#91;"api"&#93;.aws_db_instance.this&#91;0&#93;"#
    );
}

#[test]
fn mermaid_labels_cannot_end_the_label_or_inject_directives() {
    let label = mermaid_label("a\"]-->x %%{init: {}}%% <b>#`\n");
    assert_eq!(
        label,
        "a#quot;]--#gt;x #37;#37;{init: {}}#37;#37; #lt;b#gt;#35;#96;\\n"
    );
    assert!(!label.contains('"'));
}

#[test]
fn chains_elide_their_middle() {
    let path: Vec<String> = (0..20).map(|index| format!("t.r{index}")).collect();
    assert_eq!(
        chain(&path),
        "t.r0 → t.r1 → … 14 more … → t.r16 → t.r17 → t.r18 → t.r19"
    );
}

#[test]
fn lists_stop_at_the_budget_and_close_what_they_opened() {
    let mut comment = Comment {
        text: String::new(),
        chars: 0,
        budget: 60,
        truncated: false,
    };
    comment.list(
        "<details>\n",
        (0..10).map(|index| format!("- item {index}\n")),
        "</details>\n",
    );
    assert!(comment.truncated);
    assert!(comment.text.ends_with("</details>\n"));
    assert!(comment.text.chars().count() <= 60, "{}", comment.text);
}
