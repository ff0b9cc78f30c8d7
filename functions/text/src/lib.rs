//! The one tokenizer of madoguchi, shared by the static site's search index and the
//! staff ticket search: Japanese has no spaces, so CJK text is indexed as overlapping
//! character bigrams, while Latin text is indexed as whole words.
//!
//! Text is normalized first (NFKC, then lower case), so full-width `ＳＭＴＰ` and
//! half-width `ｶﾀｶﾅ` find `smtp` and `カタカナ`.

use unicode_normalization::UnicodeNormalization;

/// Longer words are cut to this many characters: nobody types them whole, and it bounds
/// the index.
pub const MAX_WORD_CHARS: usize = 32;

/// One index term.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Term<'a> {
    /// A run of letters and digits outside CJK, lower-cased (`smtp`, `535`, `dkim`).
    Word(&'a str),
    /// Two adjacent CJK characters (`障害`, `送信`).
    Bigram(char, char),
    /// A CJK character standing alone between separators (`(株)` gives `株`).
    Unigram(char),
}

impl Term<'_> {
    /// The term as the text stored in an index.
    pub fn text(&self) -> String {
        match *self {
            Term::Word(w) => w.to_owned(),
            Term::Bigram(a, b) => [a, b].iter().collect(),
            Term::Unigram(a) => a.to_string(),
        }
    }

    /// A compact key that is unique per term: bigrams and unigrams encode their
    /// characters exactly; words are hashed (64-bit FNV-1a) with the top bit set.
    pub fn key(&self) -> u64 {
        match *self {
            Term::Bigram(a, b) => ((a as u64) << 21) | b as u64,
            Term::Unigram(a) => (a as u64) << 21,
            Term::Word(w) => fnv1a64(w.as_bytes()) | (1 << 63),
        }
    }
}

/// FNV-1a over bytes, 64 bits.
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// FNV-1a over bytes, 32 bits; the static search client computes the same hash in
/// JavaScript to find a term's shard.
pub fn fnv1a32(bytes: &[u8]) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for &b in bytes {
        h ^= b as u32;
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

/// Whether a character is written without spaces between words (Han, kana, Hangul).
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3005..=0x3007      // 々 〆 〇
        | 0x3040..=0x30FF    // hiragana, katakana (with ー)
        | 0x31F0..=0x31FF    // katakana phonetic extensions
        | 0x3400..=0x4DBF    // CJK extension A
        | 0x4E00..=0x9FFF    // CJK unified ideographs
        | 0xAC00..=0xD7AF    // Hangul syllables
        | 0xF900..=0xFAFF    // CJK compatibility ideographs
        | 0x20000..=0x3FFFF) // CJK extensions B and later
}

#[derive(PartialEq)]
enum Class {
    Word,
    Cjk,
    Separator,
}

fn class(c: char) -> Class {
    if c.is_ascii_alphanumeric() {
        Class::Word
    } else if c.is_ascii() {
        Class::Separator
    } else if is_cjk(c) {
        Class::Cjk
    } else if c.is_alphanumeric() {
        Class::Word
    } else {
        Class::Separator
    }
}

/// Calls `f` with every term of `text`, in order, repeats included.
pub fn for_each_term(text: &str, mut f: impl FnMut(Term<'_>)) {
    let mut word = String::new();
    let mut word_chars = 0usize;
    let mut prev_cjk: Option<char> = None;
    let mut cjk_run = 0usize;

    let flush_word = |word: &mut String, word_chars: &mut usize, f: &mut dyn FnMut(Term<'_>)| {
        if !word.is_empty() {
            f(Term::Word(word));
            word.clear();
            *word_chars = 0;
        }
    };
    let flush_cjk = |prev: &mut Option<char>, run: &mut usize, f: &mut dyn FnMut(Term<'_>)| {
        if *run == 1
            && let Some(c) = *prev
        {
            f(Term::Unigram(c));
        }
        *prev = None;
        *run = 0;
    };

    let mut step = |c: char, f: &mut dyn FnMut(Term<'_>)| match class(c) {
        Class::Word => {
            flush_cjk(&mut prev_cjk, &mut cjk_run, f);
            if word_chars < MAX_WORD_CHARS {
                word.extend(c.to_lowercase());
                word_chars += 1;
            }
        }
        Class::Cjk => {
            flush_word(&mut word, &mut word_chars, f);
            if let Some(p) = prev_cjk {
                f(Term::Bigram(p, c));
            }
            prev_cjk = Some(c);
            cjk_run += 1;
        }
        Class::Separator => {
            flush_word(&mut word, &mut word_chars, f);
            flush_cjk(&mut prev_cjk, &mut cjk_run, f);
        }
    };

    for_each_nfkc_char(text, |c| step(c, &mut f));
    step(' ', &mut f);
}

/// Characters that NFKC leaves as they are and that never combine with the character
/// before them: ASCII, kana, common CJK ideographs and Japanese punctuation. Most of a
/// Japanese page is made of them.
fn nfkc_stable(c: char) -> bool {
    matches!(c as u32,
        0x00..=0x7F
        | 0x3001..=0x3002    // 、。
        | 0x300C..=0x300F    // 「」『』
        | 0x3041..=0x3096    // hiragana
        | 0x30A1..=0x30FA    // katakana
        | 0x30FC             // ー
        | 0x4E00..=0x9FFF) // CJK unified ideographs
}

/// Calls `f` with the characters of `text` in NFKC, normalizing only the runs that
/// need it. A run starts one character early, because a combining mark may compose
/// with the stable character before it (か + ゙ = が); stable characters never compose
/// with what precedes them, so cutting before one is exact.
pub fn for_each_nfkc_char(text: &str, mut f: impl FnMut(char)) {
    if text.is_ascii() {
        text.chars().for_each(f);
        return;
    }
    let mut pending: Option<char> = None;
    let mut run = String::new();
    for c in text.chars() {
        if nfkc_stable(c) {
            if !run.is_empty() {
                run.nfkc().for_each(&mut f);
                run.clear();
            } else if let Some(p) = pending {
                f(p);
            }
            pending = Some(c);
        } else {
            if let Some(p) = pending.take() {
                run.push(p);
            }
            run.push(c);
        }
    }
    if !run.is_empty() {
        run.nfkc().for_each(&mut f);
    } else if let Some(p) = pending {
        f(p);
    }
}

/// The distinct terms of `text` in order of first appearance, as text: what a query
/// looks up, and what the ticket index stores.
pub fn terms(text: &str) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for_each_term(text, |t| {
        if seen.insert(t.key()) {
            out.push(t.text());
        }
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(text: &str) -> Vec<String> {
        let mut v = Vec::new();
        for_each_term(text, |t| v.push(t.text()));
        v
    }

    #[test]
    fn japanese_is_split_into_overlapping_bigrams() {
        assert_eq!(all("障害情報"), ["障害", "害情", "情報"]);
    }

    #[test]
    fn a_two_character_word_is_one_bigram_and_finds_itself_inside_longer_text() {
        let doc = terms("メール送信の遅延障害について");
        for q in ["送信", "障害", "遅延"] {
            let qt = terms(q);
            assert_eq!(qt.len(), 1);
            assert!(doc.contains(&qt[0]), "{q} not in {doc:?}");
        }
    }

    #[test]
    fn latin_words_are_whole_and_lower_cased() {
        assert_eq!(all("SMTP AUTH error 535"), ["smtp", "auth", "error", "535"]);
    }

    #[test]
    fn mixed_text_gives_words_and_bigrams() {
        assert_eq!(
            all("SMTP送信エラー"),
            ["smtp", "送信", "信エ", "エラ", "ラー"]
        );
    }

    #[test]
    fn full_width_and_half_width_forms_are_normalized() {
        assert_eq!(all("ＳＭＴＰ"), ["smtp"]);
        assert_eq!(all("ｶﾀｶﾅ"), all("カタカナ"));
    }

    #[test]
    fn a_lone_cjk_character_is_a_unigram() {
        assert_eq!(all("(株) 様"), ["株", "様"]);
    }

    #[test]
    fn punctuation_separates_runs() {
        assert_eq!(all("送信、受信。"), ["送信", "受信"]);
        assert_eq!(all("e-mail"), ["e", "mail"]);
    }

    #[test]
    fn very_long_words_are_cut() {
        let long = "a".repeat(100);
        assert_eq!(all(&long)[0].len(), MAX_WORD_CHARS);
    }

    #[test]
    fn terms_are_distinct_in_first_appearance_order() {
        assert_eq!(terms("障害 障害 smtp SMTP"), ["障害", "smtp"]);
    }

    #[test]
    fn keys_are_distinct_for_distinct_terms() {
        let keys: std::collections::HashSet<u64> = ["障害", "害障", "障", "smtp", "smtq"]
            .iter()
            .flat_map(|t| {
                let mut v = vec![];
                for_each_term(t, |x| v.push(x.key()));
                v
            })
            .collect();
        assert_eq!(keys.len(), 5);
    }

    #[test]
    fn the_fast_path_equals_full_nfkc_on_tricky_text() {
        let samples = [
            "か\u{3099}き\u{309A}",
            "ｶﾞｷﾞ ﾊﾟ",
            "e\u{0301}t\u{0323}\u{0302}",
            "（株）①２ｍ㎏",
            "가\u{11A8} \u{1100}\u{1161}",
            "障害、送信。「テスト」ＡＢＣ",
            "Ａ\u{0308}",
            "ﬁle ℡ ½",
            "",
            "x",
            "\u{3099}start",
            "end\u{3099}",
        ];
        for s in samples {
            let mut fast = String::new();
            for_each_nfkc_char(s, |c| fast.push(c));
            assert_eq!(fast, s.nfkc().collect::<String>(), "{s:?}");
        }
    }

    #[test]
    fn the_fast_path_equals_full_nfkc_on_random_text() {
        let alphabet: Vec<char> = "aeAZ09 、。「」あかがぱアカガパーｶﾞﾊﾟ障害送信（）ＡＢ①㎏\u{0301}\u{0308}\u{3099}\u{309A}\u{1161}\u{11A8}가ﬁ"
            .chars()
            .collect();
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..5000 {
            let mut s = String::new();
            for _ in 0..(seed % 12) {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                s.push(alphabet[(seed % alphabet.len() as u64) as usize]);
            }
            seed = seed.wrapping_add(1);
            let mut fast = String::new();
            for_each_nfkc_char(&s, |c| fast.push(c));
            assert_eq!(fast, s.nfkc().collect::<String>(), "{s:?}");
        }
    }

    #[test]
    fn fnv1a32_matches_the_reference_values() {
        assert_eq!(fnv1a32(b""), 0x811c_9dc5);
        assert_eq!(fnv1a32(b"a"), 0xe40c_292c);
    }
}
