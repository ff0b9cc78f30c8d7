//! Ticket bodies as HTML for the portal: Markdown rendered and sanitized by the app.

pub fn body_html(md: &str) -> String {
    crate::app::markdown::render(md)
}
