//! Ticket bodies as HTML for the portal.

/// Until the Markdown renderer lands: the body as escaped text in a paragraph.
pub fn body_html(md: &str) -> String {
    let mut out = String::from("<p>");
    for c in md.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\n' => out.push_str("<br>"),
            c => out.push(c),
        }
    }
    out.push_str("</p>");
    out
}
