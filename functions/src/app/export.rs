//! Exports for staff (seed 003): a ticket list as CSV or Excel, and one ticket with
//! all its responses as an Excel report. This module turns records into rows and rows
//! into files; `http::export` pages through the store and streams them.
//!
//! CSV is UTF-8 with a byte-order mark, so Excel in Japan opens it as UTF-8 rather than
//! Shift_JIS, and a cell that a spreadsheet would take for a formula (starting with `=`,
//! `+`, `-`, `@`, a tab or a carriage return) gets a leading apostrophe (OWASP's CSV
//! injection advice). Excel files hold every text as a string cell, never a formula, so
//! the same text is inert there as it is.

use std::borrow::Cow;

use jiff::Timestamp;
use jiff::civil::DateTime;
use rust_xlsxwriter::{Format, FormatAlign, Workbook, Worksheet, XlsxError};

use crate::app::config::DEFAULT_LANGUAGE;
use crate::app::mail::state_label;
use crate::app::{AppError, PortalConfig};
use crate::ports::{ArticleRecord, TicketRecord};

/// The byte-order mark that starts every CSV export.
pub const BOM: &[u8] = "\u{feff}".as_bytes();

/// What a spreadsheet must show as text, not evaluate: the cell with a leading `'`.
pub fn neutralize(cell: &str) -> Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => Cow::Owned(format!("'{cell}")),
        _ => Cow::Borrowed(cell),
    }
}

/// A value of an export cell: text, or a time (shown in the portal's time zone).
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Time(Option<Timestamp>),
}

/// The names a ticket row shows for the ids it holds.
pub trait NameOf {
    fn user(&self, id: &str) -> String;
    fn company(&self, id: &str) -> String;
}

/// The columns of a ticket list export, in `lang`, then one per custom field.
pub fn list_headers(config: &PortalConfig, lang: &str) -> Vec<String> {
    let ja = lang == "ja";
    let fixed: [(&str, &str); 14] = [
        ("チケット番号", "Ticket number"),
        ("件名", "Subject"),
        ("状態", "State"),
        ("優先度", "Priority"),
        ("製品", "Product"),
        ("サービス", "Service"),
        ("種別", "Type"),
        ("依頼者", "Requester"),
        ("会社", "Company"),
        ("担当者", "Owner"),
        ("受付日時", "Received"),
        ("更新日時", "Updated"),
        ("完了日時", "Closed"),
        ("受付方法", "Received by"),
    ];
    fixed
        .iter()
        .map(|(j, e)| if ja { *j } else { *e }.to_owned())
        .chain(
            config
                .form
                .fields
                .iter()
                .map(|f| f.label.get(lang, DEFAULT_LANGUAGE).to_owned()),
        )
        .collect()
}

/// One ticket as a row under `list_headers`.
pub fn list_row(
    config: &PortalConfig,
    lang: &str,
    t: &TicketRecord,
    names: &impl NameOf,
) -> Vec<Cell> {
    let text = |s: &str| Cell::Text(s.to_owned());
    let label = |list: &[crate::app::form::Choice], key: &Option<String>| {
        Cell::Text(key.as_deref().map_or_else(String::new, |k| {
            list.iter()
                .find(|c| c.key == k)
                .map_or(k, |c| c.label.get(lang, DEFAULT_LANGUAGE))
                .to_owned()
        }))
    };
    let service = t.service.as_deref().map_or_else(String::new, |k| {
        config
            .form
            .service(k)
            .map_or(k, |s| s.label.get(lang, DEFAULT_LANGUAGE))
            .to_owned()
    });
    let mut row = vec![
        text(&t.number),
        text(&t.subject),
        text(state_label(t.state, lang)),
        text(config.priority_label(&t.priority, lang)),
        Cell::Text(
            t.product
                .as_deref()
                .map_or_else(String::new, |k| config.product_label(k, lang).to_owned()),
        ),
        Cell::Text(service),
        label(&config.form.ticket_types, &t.ticket_type),
        Cell::Text(names.user(&t.requester_id)),
        Cell::Text(names.company(&t.company_id)),
        Cell::Text(
            t.owner_id
                .as_deref()
                .map_or_else(String::new, |o| names.user(o)),
        ),
        Cell::Time(Some(t.created_at)),
        Cell::Time(Some(t.updated_at)),
        Cell::Time(t.closed_at),
        text(t.channel.label(lang)),
    ];
    row.extend(config.form.fields.iter().map(|f| {
        Cell::Text(
            t.fields
                .get(&f.key)
                .map_or_else(String::new, |v| f.display(v, lang)),
        )
    }));
    row
}

/// A time as the portal shows it (its time zone, to the minute).
pub fn local_time(config: &PortalConfig, at: Timestamp) -> DateTime {
    at.to_zoned(config.time_zone.clone()).datetime()
}

fn time_text(config: &PortalConfig, at: Option<Timestamp>) -> String {
    at.map_or_else(String::new, |at| {
        local_time(config, at)
            .strftime("%Y-%m-%d %H:%M")
            .to_string()
    })
}

/// Rows as CSV lines (RFC 4180 quoting by the `csv` crate), every text neutralized.
pub fn csv_rows(config: &PortalConfig, rows: &[Vec<Cell>]) -> Result<Vec<u8>, AppError> {
    let failed = |e: csv::Error| AppError::Unexpected(anyhow::Error::new(e).context("writing CSV"));
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    for row in rows {
        let cells: Vec<String> = row
            .iter()
            .map(|c| match c {
                Cell::Text(s) => neutralize(s).into_owned(),
                Cell::Time(at) => time_text(config, *at),
            })
            .collect();
        w.write_record(&cells).map_err(failed)?;
    }
    w.into_inner().map_err(|e| failed(e.into_error().into()))
}

/// The header line of a CSV export, after the byte-order mark.
pub fn csv_start(config: &PortalConfig, headers: &[String]) -> Result<Vec<u8>, AppError> {
    let mut out = BOM.to_vec();
    out.extend(csv_rows(
        config,
        &[headers.iter().map(|h| Cell::Text(h.clone())).collect()],
    )?);
    Ok(out)
}

/// An Excel list being written row by row (constant memory: rows go to a temporary
/// file as they come, so a list of any length takes the same memory).
pub struct XlsxList {
    workbook: Workbook,
    next_row: u32,
    columns: u16,
    date: Format,
}

impl XlsxList {
    pub fn new(sheet_name: &str, headers: &[String]) -> Result<XlsxList, XlsxError> {
        let mut workbook = Workbook::new();
        let header = Format::new().set_bold();
        let sheet = workbook.add_worksheet_with_constant_memory()?;
        sheet.set_name(sheet_name)?;
        for (c, h) in headers.iter().enumerate() {
            sheet.write_string_with_format(0, col(c), h, &header)?;
        }
        sheet.set_freeze_panes(1, 0)?;
        sheet.set_column_width(1, 40)?;
        Ok(XlsxList {
            workbook,
            next_row: 1,
            columns: col(headers.len()),
            date: Format::new().set_num_format("yyyy-mm-dd hh:mm"),
        })
    }

    pub fn push(&mut self, config: &PortalConfig, row: &[Cell]) -> Result<(), XlsxError> {
        let r = self.next_row;
        let sheet = self.workbook.worksheet_from_index(0)?;
        write_cells(sheet, config, r, row, &self.date)?;
        self.next_row += 1;
        Ok(())
    }

    /// The finished file (the rows written so far plus the package around them).
    pub fn finish(mut self, to: &std::path::Path) -> Result<(), XlsxError> {
        let last = self.next_row.saturating_sub(1);
        if last > 0 {
            let sheet = self.workbook.worksheet_from_index(0)?;
            sheet.autofilter(0, 0, last, self.columns.saturating_sub(1))?;
        }
        self.workbook.save(to)
    }
}

fn col(c: usize) -> u16 {
    u16::try_from(c).unwrap_or(u16::MAX)
}

fn write_cells(
    sheet: &mut Worksheet,
    config: &PortalConfig,
    r: u32,
    row: &[Cell],
    date: &Format,
) -> Result<(), XlsxError> {
    for (c, cell) in row.iter().enumerate() {
        match cell {
            // Always a string cell: never read as a formula, whatever it starts with.
            Cell::Text(s) if !s.is_empty() => {
                sheet.write_string(r, col(c), s)?;
            }
            Cell::Time(Some(at)) => {
                sheet.write_datetime_with_format(r, col(c), local_time(config, *at), date)?;
            }
            _ => {}
        }
    }
    Ok(())
}

/// Seed 003's per-ticket report: the ticket's fields on one sheet, every response
/// (public replies and internal notes, marked) on another.
pub fn ticket_report(
    config: &PortalConfig,
    lang: &str,
    t: &TicketRecord,
    articles: &[ArticleRecord],
    names: &impl NameOf,
) -> Result<Vec<u8>, XlsxError> {
    let ja = lang == "ja";
    let pick = |j: &'static str, e: &'static str| if ja { j } else { e };
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    let date = Format::new().set_num_format("yyyy-mm-dd hh:mm");
    let wrap = Format::new().set_text_wrap().set_align(FormatAlign::Top);
    let top = Format::new().set_align(FormatAlign::Top);

    let headers = list_headers(config, lang);
    let values = list_row(config, lang, t, names);
    let summary = workbook.add_worksheet();
    summary.set_name(pick("概要", "Summary"))?;
    summary.set_column_width(0, 20)?;
    summary.set_column_width(1, 60)?;
    let mut r = 0;
    for (h, v) in headers.iter().zip(&values) {
        summary.write_string_with_format(r, 0, h, &bold)?;
        write_cells(
            summary,
            config,
            r,
            &[Cell::Text(String::new()), v.clone()],
            &date,
        )?;
        r += 1;
    }
    summary.write_string_with_format(r, 0, "CC", &bold)?;
    summary.write_string(r, 1, t.cc.join(", "))?;
    r += 1;
    summary.write_string_with_format(r, 0, pick("対応件数", "Responses"), &bold)?;
    summary.write_number(r, 1, articles.len() as f64)?;
    r += 1;
    let minutes: u32 = articles.iter().filter_map(|a| a.minutes).sum();
    summary.write_string_with_format(
        r,
        0,
        pick("作業時間合計（分）", "Time spent (minutes)"),
        &bold,
    )?;
    summary.write_number(r, 1, f64::from(minutes))?;

    let log = workbook.add_worksheet();
    log.set_name(pick("対応履歴", "Responses"))?;
    let columns = [
        pick("No.", "No."),
        pick("日時", "Time"),
        pick("投稿者", "Author"),
        pick("種別", "Kind"),
        pick("本文", "Text"),
        pick("添付ファイル", "Attachments"),
        pick("作業時間（分）", "Minutes"),
    ];
    for (c, h) in columns.iter().enumerate() {
        log.write_string_with_format(0, col(c), *h, &bold)?;
    }
    // Then one column per response field (seed 003's 対応期限, 原因/対策, メモ).
    let response_fields = &config.form.response_fields;
    for (i, f) in response_fields.iter().enumerate() {
        let c = col(columns.len() + i);
        log.write_string_with_format(0, c, f.label.get(lang, DEFAULT_LANGUAGE), &bold)?;
        log.set_column_width(c, 30)?;
    }
    log.set_column_width(1, 17)?;
    log.set_column_width(2, 16)?;
    log.set_column_width(3, 12)?;
    log.set_column_width(4, 80)?;
    log.set_column_width(5, 30)?;
    log.set_freeze_panes(1, 0)?;
    for (i, a) in articles.iter().enumerate() {
        let r = u32::try_from(i + 1).unwrap_or(u32::MAX);
        log.write_number_with_format(r, 0, f64::from(a.seq), &top)?;
        log.write_datetime_with_format(r, 1, local_time(config, a.created_at), &date)?;
        log.write_string_with_format(r, 2, &a.author_name, &top)?;
        let kind = if a.internal {
            pick("社内メモ", "Internal note")
        } else if a.author_id == t.requester_id {
            pick("お客様", "Customer")
        } else {
            pick("回答", "Reply")
        };
        log.write_string_with_format(r, 3, kind, &top)?;
        log.write_string_with_format(r, 4, &a.body_md, &wrap)?;
        let files: Vec<&str> = a.attachments.iter().map(|x| x.name.as_str()).collect();
        log.write_string_with_format(r, 5, files.join("\n"), &wrap)?;
        if let Some(m) = a.minutes {
            log.write_number_with_format(r, 6, f64::from(m), &top)?;
        }
        for (i, f) in response_fields.iter().enumerate() {
            if let Some(v) = a.fields.get(&f.key) {
                log.write_string_with_format(r, col(columns.len() + i), f.display(v, lang), &wrap)?;
            }
        }
    }
    workbook.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_a_spreadsheet_would_evaluate_are_neutralized() {
        for (given, shown) in [
            ("=1+2", "'=1+2"),
            ("+81 3 1234 5678", "'+81 3 1234 5678"),
            ("-5", "'-5"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=cmd", "'\t=cmd"),
            ("\r=cmd", "'\r=cmd"),
            ("障害", "障害"),
            ("a=b", "a=b"),
            ("", ""),
        ] {
            assert_eq!(neutralize(given), shown, "{given:?}");
        }
    }

    #[test]
    fn csv_starts_with_a_byte_order_mark_and_quotes_what_needs_it() {
        let config = PortalConfig::example("http://127.0.0.1:8080");
        let start = csv_start(&config, &["番号".into(), "件名".into()]).unwrap();
        assert!(start.starts_with(BOM));
        assert_eq!(&start[BOM.len()..], "番号,件名\r\n".as_bytes());
        let rows = csv_rows(
            &config,
            &[vec![
                Cell::Text("a,b \"c\"\n改行".into()),
                Cell::Time(Some("2026-12-07T01:30:00Z".parse().unwrap())),
                Cell::Time(None),
            ]],
        )
        .unwrap();
        assert_eq!(
            String::from_utf8(rows).unwrap(),
            "\"a,b \"\"c\"\"\n改行\",2026-12-07 10:30,\r\n"
        );
    }
}
