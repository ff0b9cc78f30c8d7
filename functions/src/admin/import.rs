//! `madoguchi admin import`: companies, users or contracts from a CSV file with a
//! header row (UTF-8, with or without the BOM Excel writes). Every row is checked
//! first, against the store and against the other rows; if any is wrong, every
//! error is listed as `file:line:column: header: message` and nothing is written.

use std::collections::HashMap;
use std::fmt;
use std::path::Path;

use crate::app::accounts::{self, CompanyInput, Credential, UserInput};
use crate::app::contracts::{self, ContractInput};
use crate::app::fields::FieldError;
use crate::app::{AppError, Deps};

/// What a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Kind {
    Companies,
    Users,
    Contracts,
}

/// One column a kind of file may have: the field it fills, the header names that
/// mean it (English and the Japanese of seed 002's lists), and whether it must be there.
struct Column {
    field: &'static str,
    names: &'static [&'static str],
    required: bool,
}

const fn col(field: &'static str, names: &'static [&'static str], required: bool) -> Column {
    Column {
        field,
        names,
        required,
    }
}

const COMPANY_COLUMNS: &[Column] = &[
    col("id", &["id", "company_id", "会社id"], true),
    col("name", &["name", "会社名"], true),
];

const USER_COLUMNS: &[Column] = &[
    col("email", &["email", "e-mail", "メールアドレス"], true),
    col("name", &["name", "お名前", "氏名", "名前"], true),
    col("company", &["company", "company_id", "会社id"], false),
    col("role", &["role", "権限", "ロール"], false),
    col(
        "customer_role",
        &["customer_role", "アカウント種別", "役割"],
        false,
    ),
    col("groups", &["groups", "顧客案件グループ", "グループ"], false),
    col("lang", &["lang", "language", "言語"], false),
];

const CONTRACT_COLUMNS: &[Column] = &[
    col("number", &["number", "contract_number", "契約番号"], true),
    col("company", &["company", "company_id", "会社id"], true),
    col("product", &["product", "種別", "製品"], true),
    col(
        "model",
        &["model", "product_number", "製品番号", "機種"],
        false,
    ),
    col(
        "serial_number",
        &["serial_number", "serial", "シリアル", "シリアル番号"],
        false,
    ),
    col("starts_on", &["starts_on", "start", "開始日"], true),
    col("ends_on", &["ends_on", "end", "終了日"], true),
    col(
        "service_type",
        &["service_type", "service", "サービス種類"],
        false,
    ),
    col(
        "maintenance_emails",
        &["maintenance_emails", "emails", "保守登録メール"],
        false,
    ),
    col("projects", &["projects", "project", "案件"], false),
];

impl Kind {
    fn columns(self) -> &'static [Column] {
        match self {
            Kind::Companies => COMPANY_COLUMNS,
            Kind::Users => USER_COLUMNS,
            Kind::Contracts => CONTRACT_COLUMNS,
        }
    }

    pub fn noun(self) -> &'static str {
        match self {
            Kind::Companies => "company",
            Kind::Users => "user",
            Kind::Contracts => "contract",
        }
    }

    /// The field that must be unique within a file and in the store.
    fn key_field(self) -> &'static str {
        match self {
            Kind::Companies => "id",
            Kind::Users => "email",
            Kind::Contracts => "number",
        }
    }
}

/// One problem in a file, where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvError {
    pub file: String,
    pub line: u64,
    /// 1-based; `None` for a problem with the whole row or file.
    pub column: Option<usize>,
    /// The column's header as written in the file.
    pub header: Option<String>,
    pub message: String,
}

impl fmt::Display for CsvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)?;
        if let Some(c) = self.column {
            write!(f, ":{c}")?;
        }
        if let Some(h) = &self.header {
            write!(f, ": {h}")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// A good row, ready to write.
enum Checked {
    Company(crate::ports::store::CompanyRecord),
    User(Box<accounts::ValidUser>),
    Contract(Box<crate::ports::store::ContractRecord>),
}

/// What an import did or would do.
#[derive(Debug)]
pub struct ImportReport {
    pub file: String,
    pub kind: Kind,
    /// The rows checked (blank rows are skipped).
    pub rows: usize,
    /// The keys (id, email, number) written, or that would be with `--dry-run`.
    pub keys: Vec<String>,
    pub written: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// Bad rows or a bad file: nothing was written.
    #[error("{} problem(s) in {}; nothing was imported", .0.len(), .0.first().map(|e| e.file.as_str()).unwrap_or("the file"))]
    Invalid(Vec<CsvError>),
    /// A write failed after every row was checked (another writer took a key in
    /// between, or the store failed): the rows before it are in the store.
    #[error("{file}:{line}: {error}; {written} row(s) before it were imported, the rest were not")]
    Partial {
        file: String,
        line: u64,
        written: usize,
        #[source]
        error: AppError,
    },
    #[error(transparent)]
    App(#[from] AppError),
}

/// The file's text: UTF-8 without the BOM, or the line of the first byte that is not.
fn decode(file: &str, bytes: &[u8]) -> Result<String, CsvError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    String::from_utf8(bytes.to_vec()).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        CsvError {
            file: file.to_owned(),
            line: 1 + bytes[..at].iter().filter(|b| **b == b'\n').count() as u64,
            column: None,
            header: None,
            message: "is not UTF-8 text: save it as \"CSV UTF-8\" (Excel) and try again".into(),
        }
    })
}

fn normalize_header(h: &str) -> String {
    h.trim()
        .to_lowercase()
        .replace([' ', '-'], "_")
        .replace("e_mail", "email")
}

/// Reads and checks every row of `path`, then writes them all, unless `dry_run`.
/// `credential` is how imported users get in (`--invite`, or later).
pub async fn import(
    deps: &Deps,
    kind: Kind,
    path: &Path,
    credential: Credential,
    dry_run: bool,
) -> Result<ImportReport, ImportError> {
    let file = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| {
        ImportError::Invalid(vec![CsvError {
            file: file.clone(),
            line: 0,
            column: None,
            header: None,
            message: format!("cannot be read: {e}"),
        }])
    })?;
    import_bytes(deps, kind, &file, &bytes, credential, dry_run).await
}

/// [`import`] on the bytes of a file named `file` (tests call this directly).
pub async fn import_bytes(
    deps: &Deps,
    kind: Kind,
    file: &str,
    bytes: &[u8],
    credential: Credential,
    dry_run: bool,
) -> Result<ImportReport, ImportError> {
    let err = |line: u64, column: Option<usize>, header: Option<&str>, message: String| CsvError {
        file: file.to_owned(),
        line,
        column,
        header: header.map(str::to_owned),
        message,
    };
    let text = decode(file, bytes).map_err(|e| ImportError::Invalid(vec![e]))?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(text.as_bytes());

    // The header row: every column known, none twice, every required one there.
    let headers = reader
        .headers()
        .map_err(|e| {
            ImportError::Invalid(vec![err(1, None, None, format!("is not valid CSV: {e}"))])
        })?
        .clone();
    let mut errors = Vec::new();
    let mut index: HashMap<&'static str, usize> = HashMap::new();
    for (i, h) in headers.iter().enumerate() {
        let name = normalize_header(h);
        if name.is_empty() {
            continue;
        }
        match kind
            .columns()
            .iter()
            .find(|c| c.names.contains(&name.as_str()))
        {
            Some(c) if index.contains_key(c.field) => errors.push(err(
                1,
                Some(i + 1),
                Some(h),
                format!("is the column '{}' a second time", c.field),
            )),
            Some(c) => {
                index.insert(c.field, i);
            }
            None if kind == Kind::Users && matches!(name.as_str(), "password" | "パスワード") => {
                errors.push(err(
                    1,
                    Some(i + 1),
                    Some(h),
                    "passwords are not imported: leave the column out and use --invite".into(),
                ))
            }
            None => errors.push(err(
                1,
                Some(i + 1),
                Some(h),
                format!(
                    "is not a column of a {} file (columns: {})",
                    kind.noun(),
                    kind.columns()
                        .iter()
                        .map(|c| c.field)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )),
        }
    }
    for c in kind.columns().iter().filter(|c| c.required) {
        if !index.contains_key(c.field) {
            errors.push(err(
                1,
                None,
                None,
                format!("the column '{}' is missing", c.field),
            ));
        }
    }
    if !errors.is_empty() {
        return Err(ImportError::Invalid(errors));
    }

    // Every row, checked against the store and the rows before it.
    let policy = deps.config.password_policy;
    let mut seen: HashMap<String, u64> = HashMap::new();
    let mut checked: Vec<(u64, String, Checked)> = Vec::new();
    let mut rows = 0;
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                errors.push(err(line, None, None, format!("is not valid CSV: {e}")));
                // The reader cannot find the next row reliably after a syntax error.
                break;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        rows += 1;
        if record.len() > headers.len() {
            errors.push(err(
                line,
                Some(headers.len() + 1),
                None,
                format!(
                    "has {} cells but the header has {} columns",
                    record.len(),
                    headers.len()
                ),
            ));
            continue;
        }
        let cell = |field: &str| -> String {
            index
                .get(field)
                .and_then(|i| record.get(*i))
                .unwrap_or("")
                .to_owned()
        };
        let result = match kind {
            Kind::Companies => accounts::check_company(
                deps,
                &CompanyInput {
                    id: cell("id"),
                    name: cell("name"),
                },
            )
            .await?
            .map(|c| (c.id.clone(), Checked::Company(c))),
            Kind::Users => {
                let role = cell("role");
                let input = UserInput {
                    email: cell("email"),
                    name: cell("name"),
                    role: if role.trim().is_empty() {
                        "customer".into()
                    } else {
                        role
                    },
                    company: cell("company"),
                    customer_role: cell("customer_role"),
                    groups: cell("groups"),
                    lang: cell("lang"),
                    credential: credential.clone(),
                };
                accounts::check_user(deps, &input, &policy)
                    .await?
                    .map(|u| (u.email.to_string(), Checked::User(Box::new(u))))
            }
            Kind::Contracts => contracts::check_contract(
                deps,
                &ContractInput {
                    number: cell("number"),
                    company: cell("company"),
                    product: cell("product"),
                    model: cell("model"),
                    serial_number: cell("serial_number"),
                    starts_on: cell("starts_on"),
                    ends_on: cell("ends_on"),
                    service_type: cell("service_type"),
                    maintenance_emails: cell("maintenance_emails"),
                    projects: cell("projects"),
                },
            )
            .await?
            .map(|c| (c.number.clone(), Checked::Contract(Box::new(c)))),
        };
        let at = |f: &FieldError| {
            let i = index.get(f.field).copied();
            err(
                line,
                i.map(|i| i + 1),
                Some(i.and_then(|i| headers.get(i)).unwrap_or(f.field)),
                f.message.clone(),
            )
        };
        // A key seen before is an error whatever else is wrong with the row.
        let raw_key = match kind {
            // Logins are unique without regard to case.
            Kind::Users => cell(kind.key_field()).trim().to_lowercase(),
            Kind::Companies | Kind::Contracts => cell(kind.key_field()).trim().to_owned(),
        };
        let duplicate = match seen.get(&raw_key) {
            Some(first) if !raw_key.is_empty() => Some(*first),
            _ => {
                seen.insert(raw_key, line);
                None
            }
        };
        if let Some(first) = duplicate {
            errors.push(at(&FieldError {
                field: kind.key_field(),
                message: format!(
                    "'{}' is already on line {first} of this file",
                    cell(kind.key_field()).trim()
                ),
            }));
        }
        match result {
            Ok((key, row)) if duplicate.is_none() => checked.push((line, key, row)),
            Ok(_) => {}
            Err(field_errors) => errors.extend(field_errors.iter().map(at)),
        }
    }
    if !errors.is_empty() {
        errors.sort_by_key(|e| (e.line, e.column));
        return Err(ImportError::Invalid(errors));
    }

    let keys: Vec<String> = checked.iter().map(|(_, k, _)| k.clone()).collect();
    if !dry_run {
        for (written, (line, _, row)) in checked.into_iter().enumerate() {
            let result = match row {
                Checked::Company(c) => accounts::create_company(deps, c).await.map(drop),
                Checked::User(u) => accounts::create_user(deps, *u).await.map(drop),
                Checked::Contract(c) => contracts::create_contract(deps, *c).await.map(drop),
            };
            if let Err(error) = result {
                return Err(ImportError::Partial {
                    file: file.to_owned(),
                    line,
                    written,
                    error,
                });
            }
        }
    }
    Ok(ImportReport {
        file: file.to_owned(),
        kind,
        rows,
        keys,
        written: !dry_run,
    })
}
