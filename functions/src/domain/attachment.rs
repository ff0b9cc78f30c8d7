//! Attachments as the portal shows and serves them: a file name that is safe to show and
//! to put in a header, and a content type decided from the bytes, never from what the
//! browser claimed, so that an HTML or SVG upload can never run in the portal's origin.

use unicode_normalization::UnicodeNormalization;

/// Longest file name kept, in UTF-8 bytes (file systems allow 255).
const MAX_NAME_BYTES: usize = 200;

/// Characters Windows forbids in names and HTML treats specially.
const REPLACED: &[char] = &['<', '>', ':', '"', '|', '?', '*'];

/// Invisible characters that reorder text ("gpj.exe" shown as "exe.jpg") or hide it.
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}')
}

/// `attachment; filename="ascii"; filename*=UTF-8''percent-encoded` (RFC 6266 with the
/// RFC 5987 extended value), so Japanese names arrive intact and nothing in a name can
/// break the header: the same value whether the API sends it or S3 does (a presigned
/// download's `response-content-disposition`).
pub fn content_disposition(name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = name
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'.' | b'-' | b'_' | b'~' => {
                (b as char).to_string()
            }
            b => format!("%{b:02X}"),
        })
        .collect();
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

/// A file name as typed by the uploader, made safe to show, store and send back:
/// only the last path component, NFC (macOS sends decomposed kana), no control or
/// reordering characters, none of `<>:"|?*`, no leading dots, at most 200 bytes with
/// the extension kept. Japanese names stay as they are.
pub fn file_name(raw: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let mut name = String::new();
    let mut space = false;
    for c in last.nfc() {
        let c = if REPLACED.contains(&c) { '_' } else { c };
        if c.is_control() || is_invisible(c) {
            continue;
        }
        if c.is_whitespace() {
            space = true;
            continue;
        }
        if space && !name.is_empty() {
            name.push(' ');
        }
        space = false;
        name.push(c);
    }
    let name = name
        .trim_start_matches(['.', ' '])
        .trim_end_matches(['.', ' ']);
    let mut name = truncate_keeping_extension(name, MAX_NAME_BYTES);
    let stem = name.split('.').next().unwrap_or("").to_ascii_uppercase();
    let reserved = matches!(stem.as_str(), "CON" | "PRN" | "AUX" | "NUL")
        || ((stem.starts_with("COM") || stem.starts_with("LPT"))
            && stem.len() == 4
            && stem.ends_with(|c: char| c.is_ascii_digit()));
    if reserved {
        name.insert(0, '_');
    }
    if name.is_empty() {
        "file".to_owned()
    } else {
        name
    }
}

fn truncate_keeping_extension(name: &str, max: usize) -> String {
    if name.len() <= max {
        return name.to_owned();
    }
    let (stem, ext) = match name.rsplit_once('.') {
        Some((s, e)) if !s.is_empty() && e.len() <= 16 => (s, format!(".{e}")),
        _ => (name, String::new()),
    };
    let mut out = String::new();
    for c in stem.chars() {
        if out.len() + c.len_utf8() + ext.len() > max {
            break;
        }
        out.push(c);
    }
    out.push_str(&ext);
    out
}

/// How many leading bytes `content_type` looks at.
pub const SNIFF_BYTES: usize = 512;

/// The extension of a file name, lower case.
fn extension(name: &str) -> String {
    name.rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default()
}

/// The content type the portal records and serves, from the first bytes of the file
/// (`head`, up to `SNIFF_BYTES`) and its name. Recognised formats get their type;
/// UTF-8 text gets `text/plain` (or `text/csv`); markup (HTML, SVG, XML), scripts and
/// everything unrecognised get `application/octet-stream`. The type the browser sent is
/// not used: it is the uploader's claim.
pub fn content_type(name: &str, head: &[u8]) -> &'static str {
    let ext = extension(name);
    let starts = |magic: &[u8]| head.starts_with(magic);
    if starts(b"\x89PNG\r\n\x1a\n") {
        return "image/png";
    }
    if starts(b"\xFF\xD8\xFF") {
        return "image/jpeg";
    }
    if starts(b"GIF87a") || starts(b"GIF89a") {
        return "image/gif";
    }
    if head.len() >= 12 && &head[..4] == b"RIFF" && &head[8..12] == b"WEBP" {
        return "image/webp";
    }
    if starts(b"%PDF-") {
        return "application/pdf";
    }
    if starts(b"PK\x03\x04") || starts(b"PK\x05\x06") {
        return match ext.as_str() {
            "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "pptx" => "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            _ => "application/zip",
        };
    }
    if starts(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1") {
        return match ext.as_str() {
            "doc" => "application/msword",
            "xls" => "application/vnd.ms-excel",
            "ppt" => "application/vnd.ms-powerpoint",
            _ => "application/octet-stream",
        };
    }
    if starts(b"\x1F\x8B") {
        return "application/gzip";
    }
    if starts(b"7z\xBC\xAF\x27\x1C") {
        return "application/x-7z-compressed";
    }
    if is_text(head) {
        if looks_like_markup(head)
            || matches!(
                ext.as_str(),
                "html" | "htm" | "xhtml" | "svg" | "xml" | "xsl" | "js" | "mjs"
            )
        {
            return "application/octet-stream";
        }
        return if ext == "csv" {
            "text/csv; charset=utf-8"
        } else {
            "text/plain; charset=utf-8"
        };
    }
    "application/octet-stream"
}

/// Whether the portal may show the file in the page (a thumbnail) rather than only
/// offer it for download. Never true for anything that can carry script.
pub fn shows_inline(content_type: &str) -> bool {
    matches!(
        content_type,
        "image/png" | "image/jpeg" | "image/gif" | "image/webp"
    )
}

/// UTF-8 without NUL bytes (the last character may be cut off by the sniff window).
fn is_text(head: &[u8]) -> bool {
    if head.contains(&0) {
        return false;
    }
    match std::str::from_utf8(head) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none() && head.len() - e.valid_up_to() < 4,
    }
}

/// Text a browser would take for a page or an image with script: it starts (after a
/// BOM and white space) with `<`, or mentions an HTML or SVG tag early on.
fn looks_like_markup(head: &[u8]) -> bool {
    let text = String::from_utf8_lossy(head).to_ascii_lowercase();
    let trimmed = text.trim_start_matches('\u{FEFF}').trim_start();
    trimmed.starts_with('<')
        || [
            "<html",
            "<svg",
            "<script",
            "<!doctype",
            "<?xml",
            "<body",
            "<iframe",
            "<head",
        ]
        .iter()
        .any(|tag| text.contains(tag))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_lose_paths_controls_and_leading_dots_but_keep_japanese() {
        let cases = [
            ("障害ログ_2026年11月.txt", "障害ログ_2026年11月.txt"),
            ("../../etc/passwd", "passwd"),
            ("C:\\fakepath\\設定.conf", "設定.conf"),
            (".htaccess", "htaccess"),
            ("...", "file"),
            ("", "file"),
            ("a\r\nb\u{0}c.txt", "abc.txt"),
            ("report\u{202E}fdp.exe", "reportfdp.exe"),
            ("<b>alert(1)</b>.html", "b_.html"),
            ("<b onclick=x>.txt", "_b onclick=x_.txt"),
            ("what?.txt", "what_.txt"),
            ("  spaced   out  .pdf", "spaced out .pdf"),
            ("name. ", "name"),
            ("CON.txt", "_CON.txt"),
            ("com1", "_com1"),
            ("console.log", "console.log"),
        ];
        for (raw, want) in cases {
            assert_eq!(file_name(raw), want, "{raw:?}");
        }
    }

    #[test]
    fn decomposed_kana_from_macos_are_composed() {
        // "ガイド.pdf" as macOS sends it: カ + combining dakuten.
        let nfd = "\u{30AB}\u{3099}\u{30A4}\u{30C8}\u{3099}.pdf";
        assert_eq!(file_name(nfd), "ガイド.pdf");
    }

    #[test]
    fn long_names_are_cut_on_a_character_boundary_keeping_the_extension() {
        let long = format!("{}.xlsx", "見積書".repeat(40));
        let name = file_name(&long);
        assert!(name.len() <= MAX_NAME_BYTES, "{}", name.len());
        assert!(
            name.ends_with("見.xlsx") || name.ends_with("積.xlsx") || name.ends_with("書.xlsx")
        );
        assert!(name.starts_with("見積書見積書"));
    }

    #[test]
    fn content_types_come_from_the_bytes_not_the_name() {
        assert_eq!(content_type("x.jpg", b"\x89PNG\r\n\x1a\n...."), "image/png");
        assert_eq!(content_type("photo.png", b"\xFF\xD8\xFF\xE0"), "image/jpeg");
        assert_eq!(content_type("spec.pdf", b"%PDF-1.7\n"), "application/pdf");
        assert_eq!(
            content_type("見積.xlsx", b"PK\x03\x04rest"),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        );
        assert_eq!(
            content_type("maillog.txt", "送信エラー 535\n".as_bytes()),
            "text/plain; charset=utf-8"
        );
        assert_eq!(
            content_type("list.csv", b"a,b\n1,2\n"),
            "text/csv; charset=utf-8"
        );
        assert_eq!(
            content_type("binary.bin", b"\x00\x01\x02"),
            "application/octet-stream"
        );
    }

    #[test]
    fn html_svg_and_script_are_never_given_a_type_a_browser_would_run() {
        for (name, head) in [
            (
                "page.html",
                &b"<!DOCTYPE html><html><script>alert(1)</script>"[..],
            ),
            ("innocent.txt", b"<html><body onload=alert(1)>"),
            (
                "image.png",
                b"<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>",
            ),
            ("logo.svg", b"<?xml version=\"1.0\"?><svg/>"),
            ("bom.txt", b"\xEF\xBB\xBF  <script>alert(1)</script>"),
            ("app.js", b"alert(document.cookie)"),
            ("notes.txt", b"hello\n<iframe src=//evil>"),
        ] {
            let ct = content_type(name, head);
            assert_eq!(ct, "application/octet-stream", "{name}");
            assert!(!shows_inline(ct));
        }
        assert!(shows_inline("image/png"));
        assert!(!shows_inline("application/pdf"));
    }

    #[test]
    fn text_cut_in_the_middle_of_a_character_is_still_text() {
        let s = "日本語のログ".as_bytes();
        assert_eq!(
            content_type("a.log", &s[..s.len() - 1]),
            "text/plain; charset=utf-8"
        );
    }
}
