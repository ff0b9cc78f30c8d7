//! Plain-text tables for the terminal, aligned for Japanese text: a full-width
//! character (漢字, かな, ＡＢＣ) takes two columns, as terminals draw it.

/// The columns `c` takes in a terminal: 2 for East Asian wide and full-width
/// characters, 0 for combining marks and controls, else 1.
pub fn char_width(c: char) -> usize {
    let u = c as u32;
    if c.is_control() || (0x0300..=0x036F).contains(&u) || (0x3099..=0x309A).contains(&u) {
        return 0;
    }
    let wide = matches!(u,
        0x1100..=0x115F
        | 0x2E80..=0x303E
        | 0x3041..=0x33FF
        | 0x3400..=0x4DBF
        | 0x4E00..=0x9FFF
        | 0xA000..=0xA4CF
        | 0xAC00..=0xD7A3
        | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F
        | 0xFF00..=0xFF60
        | 0xFFE0..=0xFFE6
        | 0x1F300..=0x1F64F
        | 0x1F900..=0x1F9FF
        | 0x20000..=0x3FFFD);
    if wide { 2 } else { 1 }
}

pub fn text_width(s: &str) -> usize {
    s.chars().map(char_width).sum()
}

/// Renders a header and rows as columns separated by two spaces, the last column
/// not padded. Control characters in cells are shown as spaces so that a value
/// cannot move the cursor or break the layout.
pub fn render(header: &[&str], rows: &[Vec<String>]) -> String {
    let clean = |s: &str| -> String {
        s.chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect()
    };
    let header: Vec<String> = header.iter().map(|h| clean(h)).collect();
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| r.iter().map(|c| clean(c)).collect())
        .collect();
    let mut widths: Vec<usize> = header.iter().map(|h| text_width(h)).collect();
    for row in &rows {
        for (i, cell) in row.iter().enumerate() {
            if i < widths.len() {
                widths[i] = widths[i].max(text_width(cell));
            }
        }
    }
    let mut out = String::new();
    for row in std::iter::once(&header).chain(rows.iter()) {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate().take(widths.len()) {
            if i > 0 {
                line.push_str("  ");
            }
            line.push_str(cell);
            if i + 1 < widths.len() {
                line.extend(std::iter::repeat_n(' ', widths[i] - text_width(cell)));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn japanese_text_counts_two_columns_per_character() {
        assert_eq!(text_width("acme"), 4);
        assert_eq!(text_width("アクメ株式会社"), 14);
        assert_eq!(text_width("ＡＢ"), 4);
        assert_eq!(text_width("ｶﾅ"), 2, "half-width katakana is narrow");
    }

    #[test]
    fn columns_line_up_with_mixed_scripts() {
        let out = render(
            &["ID", "NAME", "USERS"],
            &[
                vec!["acme".into(), "アクメ株式会社".into(), "3".into()],
                vec!["globex".into(), "Globex".into(), "12".into()],
            ],
        );
        assert_eq!(
            out,
            "ID      NAME            USERS\n\
             acme    アクメ株式会社  3\n\
             globex  Globex          12\n"
        );
    }

    #[test]
    fn control_characters_in_cells_cannot_break_the_layout() {
        let out = render(&["A", "B"], &[vec!["x\ny".into(), "\u{1b}[2J".into()]]);
        assert_eq!(out.lines().count(), 2);
        assert!(!out.contains('\u{1b}'));
    }
}
