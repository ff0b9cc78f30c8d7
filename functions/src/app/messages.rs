//! The words of every field error, in Japanese and English. The HTTP layer renders
//! `AppError::Invalid` with `render` in the request's language; the codes stay stable
//! for clients that word messages themselves.

use crate::app::config::DEFAULT_LANGUAGE;
use crate::app::error::{FieldError, Problem};

/// Labels of the inputs that are not custom fields: (JSON name, 日本語, English).
const LABELS: &[(&str, &str, &str)] = &[
    ("subject", "件名", "Subject"),
    ("body", "本文", "Message"),
    ("cc", "メール CC", "Mail CC"),
    ("product", "製品", "Product"),
    ("service", "サービス", "Service"),
    ("sla", "希望納期（SLA）", "Service level"),
    ("ticket_type", "種類", "Ticket type"),
    ("priority", "優先度", "Priority"),
    ("attachments", "添付ファイル", "Attachments"),
    ("file", "ファイル", "File"),
    ("name", "お名前", "Name"),
    ("email", "メールアドレス", "E-mail address"),
    ("password", "パスワード", "Password"),
    ("new_password", "新しいパスワード", "New password"),
    ("current_password", "現在のパスワード", "Current password"),
    ("token", "リンク", "Link"),
    ("lang", "言語", "Language"),
    ("time_zone", "タイムゾーン", "Time zone"),
    ("page_size", "表示件数", "Tickets per page"),
    ("refresh_secs", "自動更新の間隔", "Refresh interval"),
    ("mails_off", "メール通知", "Mail notifications"),
    ("mails_on", "メール通知", "Mail notifications"),
    ("mail_address", "通知メールの宛先", "Send mail to"),
    ("state", "状態", "State"),
    ("q", "キーワード", "Words"),
    ("type", "種類", "Type"),
    ("owner", "担当者", "Owner"),
    ("received_from", "受付日（開始）", "Received from"),
    ("received_to", "受付日（終了）", "Received until"),
    ("updated_from", "更新日（開始）", "Updated from"),
    ("updated_to", "更新日（終了）", "Updated until"),
    ("order", "並び順", "Order"),
    ("limit", "表示件数", "Page size"),
    ("company_name", "会社名", "Company name"),
    ("user_id", "ユーザーID", "User ID"),
    (
        "password_confirmation",
        "パスワードの確認",
        "Password confirmation",
    ),
    ("maintenance_email", "保守登録メール", "Maintenance e-mail"),
    ("contract_number", "ご契約番号", "Contract number"),
    (
        "consent",
        "個人情報の取り扱いへの同意",
        "Consent to the handling of personal information",
    ),
];

fn is_ja(lang: &str) -> bool {
    lang != "en"
}

/// The label of an input in `lang`: the vendor's label carried by the error, else the
/// built-in name of the input.
pub fn label(error: &FieldError, lang: &str) -> Option<String> {
    if let Some(l) = &error.label {
        return Some(l.get(lang, DEFAULT_LANGUAGE).to_owned());
    }
    LABELS
        .iter()
        .find(|(name, ..)| *name == error.field)
        .map(|(_, ja, en)| if is_ja(lang) { *ja } else { *en }.to_owned())
}

/// The message for one field error in `lang` (`ja` unless `en`), naming the field.
pub fn render(error: &FieldError, lang: &str) -> String {
    message(&error.problem, lang, label(error, lang).as_deref())
}

/// `1 MB`, `100 MB`, `512 KB`, `1.5 GB`: sizes as file managers show them (1024-based).
pub fn format_size(bytes: u64) -> String {
    const UNITS: &[(u64, &str)] = &[(1 << 30, "GB"), (1 << 20, "MB"), (1 << 10, "KB")];
    for (size, unit) in UNITS {
        if bytes >= *size {
            return if bytes.is_multiple_of(*size) {
                format!("{} {unit}", bytes / size)
            } else {
                format!("{:.1} {unit}", bytes as f64 / *size as f64)
            };
        }
    }
    format!("{bytes} B")
}

/// The message for a problem, with the field's label when known.
pub fn message(problem: &Problem, lang: &str, label: Option<&str>) -> String {
    let ja = is_ja(lang);
    match (problem, label, ja) {
        (Problem::Required, Some(l), true) => format!("{l}は必須です。"),
        (Problem::Required, None, true) => "必須項目です。".into(),
        (Problem::Required, Some(l), false) => format!("{l} is required."),
        (Problem::Required, None, false) => "This is required.".into(),

        (Problem::TooLong { max }, Some(l), true) => format!("{l}は{max}文字以内にしてください。"),
        (Problem::TooLong { max }, None, true) => format!("{max}文字以内にしてください。"),
        (Problem::TooLong { max }, Some(l), false) => {
            format!("{l} must be at most {max} characters.")
        }
        (Problem::TooLong { max }, None, false) => format!("At most {max} characters."),

        (Problem::TooShort { min }, Some(l), true) => format!("{l}は{min}文字以上にしてください。"),
        (Problem::TooShort { min }, None, true) => format!("{min}文字以上にしてください。"),
        (Problem::TooShort { min }, Some(l), false) => {
            format!("{l} must be at least {min} characters.")
        }
        (Problem::TooShort { min }, None, false) => format!("At least {min} characters."),

        (Problem::NotAnOption, Some(l), true) => format!("{l}は選択肢から選んでください。"),
        (Problem::NotAnOption, None, true) => "選択肢から選んでください。".into(),
        (Problem::NotAnOption, Some(l), false) => format!("Choose {l} from the list."),
        (Problem::NotAnOption, None, false) => "Choose one from the list.".into(),

        (Problem::UnknownField, _, true) => "このフォームにない項目です。".into(),
        (Problem::UnknownField, _, false) => "This form has no such field.".into(),

        (Problem::NotApplicable, Some(l), true) => {
            format!("{l}は選択した製品・サービスでは指定できません。")
        }
        (Problem::NotApplicable, None, true) => {
            "選択した製品・サービスでは指定できない項目です。".into()
        }
        (Problem::NotApplicable, Some(l), false) => {
            format!("{l} does not apply to the chosen product or service.")
        }
        (Problem::NotApplicable, None, false) => {
            "This does not apply to the chosen product or service.".into()
        }

        (Problem::InvalidEmail { value }, _, true) => {
            format!("「{value}」はメールアドレスではありません（例: name@example.jp）。")
        }
        (Problem::InvalidEmail { value }, _, false) => {
            format!("'{value}' is not an e-mail address (name@example.com).")
        }

        (Problem::TooMany { max }, Some(l), true) => format!("{l}は{max}件までです。"),
        (Problem::TooMany { max }, None, true) => format!("{max}件までです。"),
        (Problem::TooMany { max }, Some(l), false) => format!("{l}: at most {max}."),
        (Problem::TooMany { max }, None, false) => format!("At most {max}."),

        (Problem::TooLarge { max_bytes }, Some(l), true) => {
            format!("{l}は{}以下にしてください。", format_size(*max_bytes))
        }
        (Problem::TooLarge { max_bytes }, None, true) => {
            format!("{}以下にしてください。", format_size(*max_bytes))
        }
        (Problem::TooLarge { max_bytes }, Some(l), false) => {
            format!("{l} must be at most {}.", format_size(*max_bytes))
        }
        (Problem::TooLarge { max_bytes }, None, false) => {
            format!("At most {}.", format_size(*max_bytes))
        }

        (Problem::NotANumber, Some(l), true) => format!("{l}は数値で入力してください。"),
        (Problem::NotANumber, None, true) => "数値で入力してください。".into(),
        (Problem::NotANumber, Some(l), false) => format!("{l} must be a number."),
        (Problem::NotANumber, None, false) => "Must be a number.".into(),

        (Problem::OutOfRange { min, max }, l, true) => {
            let range = match (min, max) {
                (Some(a), Some(b)) => format!("{a}〜{b}の範囲"),
                (Some(a), None) => format!("{a}以上"),
                (None, Some(b)) => format!("{b}以下"),
                (None, None) => "範囲内".into(),
            };
            match l {
                Some(l) => format!("{l}は{range}で入力してください。"),
                None => format!("{range}で入力してください。"),
            }
        }
        (Problem::OutOfRange { min, max }, l, false) => {
            let range = match (min, max) {
                (Some(a), Some(b)) => format!("between {a} and {b}"),
                (Some(a), None) => format!("at least {a}"),
                (None, Some(b)) => format!("at most {b}"),
                (None, None) => "in range".into(),
            };
            match l {
                Some(l) => format!("{l} must be {range}."),
                None => format!("Must be {range}."),
            }
        }

        (Problem::NotADate, Some(l), true) => {
            format!("{l}は日付（例: 2026-12-07）で入力してください。")
        }
        (Problem::NotADate, None, true) => "日付（例: 2026-12-07）で入力してください。".into(),
        (Problem::NotADate, Some(l), false) => format!("{l} must be a date (2026-12-07)."),
        (Problem::NotADate, None, false) => "Must be a date (2026-12-07).".into(),

        (Problem::TooCommon, _, true) => {
            "推測されやすいパスワードです。別のパスワードにしてください。".into()
        }
        (Problem::TooCommon, _, false) => {
            "This password is too common or too easy to guess; choose another.".into()
        }

        (Problem::UnknownUpload, _, true) => {
            "添付ファイルが見つかりません。もう一度アップロードしてください。".into()
        }
        (Problem::UnknownUpload, _, false) => {
            "An attached file was not found; upload it again.".into()
        }

        (Problem::InvalidToken, _, true) => {
            "このリンクは無効か、期限が切れています。もう一度お手続きください。".into()
        }
        (Problem::InvalidToken, _, false) => {
            "This link is invalid or has expired; please start again.".into()
        }

        (Problem::Taken, Some(l), true) => format!("この{l}は既に使われています。"),
        (Problem::Taken, None, true) => "既に使われています。".into(),
        (Problem::Taken, Some(l), false) => format!("This {l} is already in use."),
        (Problem::Taken, None, false) => "This is already in use.".into(),

        (Problem::Mismatch, _, true) => "正しくありません。".into(),
        (Problem::Mismatch, _, false) => "This does not match.".into(),

        (Problem::NeedsUpper, _, true) => "英大文字（A〜Z）を1文字以上含めてください。".into(),
        (Problem::NeedsUpper, _, false) => "Use at least one upper-case letter (A-Z).".into(),
        (Problem::NeedsLower, _, true) => "英小文字（a〜z）を1文字以上含めてください。".into(),
        (Problem::NeedsLower, _, false) => "Use at least one lower-case letter (a-z).".into(),
        (Problem::NeedsDigit, _, true) => "数字（0〜9）を1文字以上含めてください。".into(),
        (Problem::NeedsDigit, _, false) => "Use at least one digit (0-9).".into(),

        (Problem::NotConfirmed, _, true) => "パスワードと一致しません。".into(),
        (Problem::NotConfirmed, _, false) => "This is not the same as the password.".into(),

        (Problem::InvalidCharacters, Some(l), true) => {
            format!("{l}に空白や使用できない文字が含まれています。")
        }
        (Problem::InvalidCharacters, None, true) => {
            "空白や使用できない文字が含まれています。".into()
        }
        (Problem::InvalidCharacters, Some(l), false) => {
            format!("{l} may not hold spaces or control characters.")
        }
        (Problem::InvalidCharacters, None, false) => {
            "This may not hold spaces or control characters.".into()
        }

        (Problem::ContractNotMatched, _, true) => {
            "ご契約番号と保守登録メールの組み合わせを確認できません。サポートサービス証書の記載をご確認ください。".into()
        }
        (Problem::ContractNotMatched, _, false) => {
            "This contract number and maintenance e-mail do not go together; check them against your support certificate.".into()
        }

        (Problem::DomainMismatch, _, true) => {
            "メールアドレスのドメイン（@以降）が保守登録メールと一致しません。".into()
        }
        (Problem::DomainMismatch, _, false) => {
            "The e-mail address must have the same domain (after @) as the maintenance e-mail.".into()
        }

        (Problem::SubdomainMismatch, _, true) => {
            "メールアドレスと保守登録メールのサブドメインが異なるため、このままでは登録できません。サポート窓口へお問い合わせください。".into()
        }
        (Problem::SubdomainMismatch, _, false) => {
            "The e-mail address and the maintenance e-mail are in different sub-domains, so the account cannot be registered here; please contact support.".into()
        }

        (Problem::Other { ja, .. }, _, true) => ja.clone(),
        (Problem::Other { en, .. }, _, false) => en.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::PortalConfig;

    /// One of each problem, so a new variant without words fails here.
    fn every_problem() -> Vec<Problem> {
        vec![
            Problem::Required,
            Problem::TooLong { max: 200 },
            Problem::TooShort { min: 12 },
            Problem::NotAnOption,
            Problem::UnknownField,
            Problem::NotApplicable,
            Problem::InvalidEmail {
                value: "nope".into(),
            },
            Problem::TooMany { max: 10 },
            Problem::TooLarge {
                max_bytes: 100 << 20,
            },
            Problem::TooCommon,
            Problem::UnknownUpload,
            Problem::InvalidToken,
            Problem::Taken,
            Problem::Mismatch,
            Problem::NeedsUpper,
            Problem::NeedsLower,
            Problem::NeedsDigit,
            Problem::NotConfirmed,
            Problem::InvalidCharacters,
            Problem::ContractNotMatched,
            Problem::DomainMismatch,
            Problem::SubdomainMismatch,
            Problem::NotANumber,
            Problem::OutOfRange {
                min: Some("0".into()),
                max: None,
            },
            Problem::NotADate,
        ]
    }

    #[test]
    fn every_code_has_a_japanese_and_an_english_message() {
        let mut codes = std::collections::HashSet::new();
        for p in every_problem() {
            assert!(codes.insert(p.code()), "code {} used twice", p.code());
            for (ja_label, en_label) in [(Some("件名"), Some("Subject")), (None, None)] {
                let ja = message(&p, "ja", ja_label);
                let en = message(&p, "en", en_label);
                assert!(
                    ja.chars().any(|c| c as u32 > 0x3000),
                    "{}: not Japanese: {ja}",
                    p.code()
                );
                assert!(en.is_ascii(), "{}: not English: {en}", p.code());
            }
        }
    }

    #[test]
    fn messages_name_the_field_in_the_readers_language() {
        let e = FieldError::new("subject", Problem::Required);
        assert_eq!(render(&e, "ja"), "件名は必須です。");
        assert_eq!(render(&e, "en"), "Subject is required.");
        let form = PortalConfig::example("http://x").form;
        let serial = form.field("serial_number").unwrap();
        let e = FieldError::new("fields.serial_number", Problem::Required).labelled(&serial.label);
        assert_eq!(render(&e, "ja"), "シリアル番号は必須です。");
        assert_eq!(render(&e, "en"), "Serial number is required.");
        let e = FieldError::new(
            "attachments",
            Problem::TooLarge {
                max_bytes: 100 << 20,
            },
        );
        assert_eq!(render(&e, "ja"), "添付ファイルは100 MB以下にしてください。");
        let e = FieldError::new("fields.colour", Problem::UnknownField);
        assert_eq!(render(&e, "en"), "This form has no such field.");
        let e = FieldError::new("consent", Problem::Required);
        assert_eq!(render(&e, "ja"), "個人情報の取り扱いへの同意は必須です。");
        let e = FieldError::new("user_id", Problem::TooShort { min: 3 });
        assert_eq!(render(&e, "ja"), "ユーザーIDは3文字以上にしてください。");
        assert_eq!(render(&e, "en"), "User ID must be at least 3 characters.");
        let e = FieldError::new("email", Problem::SubdomainMismatch);
        assert!(render(&e, "ja").contains("お問い合わせください"));
        assert!(render(&e, "en").contains("contact support"));
    }

    #[test]
    fn sizes_are_shown_as_file_managers_show_them() {
        assert_eq!(format_size(104_857_600), "100 MB");
        assert_eq!(format_size(1536), "1.5 KB");
        assert_eq!(format_size(5 << 30), "5 GB");
        assert_eq!(format_size(12), "12 B");
    }
}
