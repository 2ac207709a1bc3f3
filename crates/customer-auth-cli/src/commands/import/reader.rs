//! Reading an import file line by line: JSON lines or CSV, each line as a [`Record`] or the
//! reason it cannot be one. Nothing read is ever repeated in a reason but key names: a line
//! holds a password hash.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use crate::cli::ImportFormat;
use crate::commands::import::record::{KEYS, REQUIRED, Record};
use crate::error::CliError;

/// One line read: where it is, how far into the file the reading got, and what it holds.
pub(super) struct Line {
    /// Its line number, from 1 (CSV: where its row starts).
    pub(super) number: u64,
    /// Bytes of the file read so far, for the progress bar.
    pub(super) bytes: u64,
    /// The record, or why the line is refused.
    pub(super) record: Result<Record, String>,
}

/// The format a file is in: by its name's extension, else by its first character.
pub(super) fn detect(path: &Path, file: &mut File) -> Result<ImportFormat, CliError> {
    let extension = path.extension().and_then(|ext| ext.to_str()).map(str::to_ascii_lowercase);
    match extension.as_deref() {
        Some("jsonl" | "ndjson" | "json") => return Ok(ImportFormat::Jsonl),
        Some("csv") => return Ok(ImportFormat::Csv),
        _ => {}
    }
    let mut head = [0u8; 512];
    let read = file.read(&mut head).map_err(|err| unreadable(path, &err))?;
    let text = String::from_utf8_lossy(head.get(..read).unwrap_or_default());
    let first = text.trim_start_matches('\u{feff}').trim_start().chars().next();
    Ok(if first == Some('{') { ImportFormat::Jsonl } else { ImportFormat::Csv })
}

fn unreadable(path: &Path, err: &std::io::Error) -> CliError {
    CliError::ImportFile(format!("cannot read {}: {err}", path.display()))
}

/// The lines of one file.
pub(super) enum Lines {
    Json { reader: BufReader<File>, number: u64, bytes: u64, buffer: Vec<u8> },
    Csv { reader: Box<csv::Reader<File>>, columns: [Option<usize>; KEYS.len()], row: csv::StringRecord },
}

impl Lines {
    /// Starts reading `file` (from its beginning) as `format`; a CSV header without the
    /// columns an import needs, or with others, is an error for the whole file.
    pub(super) fn open(file: File, format: ImportFormat) -> Result<Self, CliError> {
        match format {
            ImportFormat::Jsonl => {
                Ok(Self::Json { reader: BufReader::new(file), number: 0, bytes: 0, buffer: Vec::new() })
            }
            ImportFormat::Csv => {
                let mut reader = csv::ReaderBuilder::new().has_headers(true).from_reader(file);
                let header = reader
                    .headers()
                    .map_err(|err| CliError::ImportFile(format!("cannot read the CSV header row: {err}")))?;
                let columns = columns(header)?;
                Ok(Self::Csv { reader: Box::new(reader), columns, row: csv::StringRecord::new() })
            }
        }
    }

    /// The next line with something on it; `None` at the end, an error when the file cannot
    /// be read further.
    pub(super) fn next_line(&mut self) -> Option<Result<Line, CliError>> {
        match self {
            Self::Json { reader, number, bytes, buffer } => loop {
                buffer.clear();
                match reader.read_until(b'\n', buffer) {
                    Ok(0) => return None,
                    Ok(read) => {
                        *number += 1;
                        *bytes += read as u64;
                    }
                    Err(err) => {
                        return Some(Err(CliError::ImportFile(format!("cannot read line {}: {err}", *number + 1))));
                    }
                }
                let record = match std::str::from_utf8(buffer) {
                    Ok(text) if text.trim_start_matches('\u{feff}').trim().is_empty() => continue,
                    Ok(text) => json_record(text.trim_start_matches('\u{feff}').trim()),
                    Err(_) => Err("not UTF-8 text".to_owned()),
                };
                return Some(Ok(Line { number: *number, bytes: *bytes, record }));
            },
            Self::Csv { reader, columns, row } => {
                let read = reader.read_record(row);
                let bytes = reader.position().byte();
                match read {
                    Ok(false) => None,
                    Ok(true) => {
                        let number = row.position().map_or(0, csv::Position::line);
                        Some(Ok(Line { number, bytes, record: csv_record(row, columns) }))
                    }
                    Err(err) => {
                        let number = err.position().map_or(0, csv::Position::line);
                        let why = match err.kind() {
                            csv::ErrorKind::Utf8 { .. } => "not UTF-8 text".to_owned(),
                            csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
                                format!("{len} fields where the header row has {expected_len}")
                            }
                            _ => return Some(Err(CliError::ImportFile(format!("cannot read the CSV file: {err}")))),
                        };
                        Some(Ok(Line { number, bytes, record: Err(why) }))
                    }
                }
            }
        }
    }
}

/// Where each of [`KEYS`] is among the header's columns.
fn columns(header: &csv::StringRecord) -> Result<[Option<usize>; KEYS.len()], CliError> {
    let mut columns = [None; KEYS.len()];
    for (index, name) in header.iter().enumerate() {
        let name = name.trim_start_matches('\u{feff}').trim();
        let Some(key) = KEYS.iter().position(|key| *key == name) else {
            return Err(CliError::ImportFile(format!(
                "the CSV header has a column {name:?} the import does not know; the columns are {}",
                KEYS.join(", ")
            )));
        };
        if columns[key].replace(index).is_some() {
            return Err(CliError::ImportFile(format!("the CSV header has the column {name} twice")));
        }
    }
    let missing: Vec<&str> =
        KEYS[..REQUIRED].iter().zip(&columns).filter(|(_, at)| at.is_none()).map(|(key, _)| *key).collect();
    if !missing.is_empty() {
        return Err(CliError::ImportFile(format!("the CSV header has no {} column", missing.join(", no "))));
    }
    Ok(columns)
}

fn json_record(text: &str) -> Result<Record, String> {
    // Read as a plain value: serde's typed errors would repeat the value they did not expect,
    // which may be a hash.
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|err| format!("not a JSON object: {}", err.classify_text()))?;
    let serde_json::Value::Object(fields) = value else { return Err("not a JSON object".into()) };
    let mut reasons = Vec::new();
    if let Some(unknown) = fields.keys().find(|key| !KEYS.contains(&key.as_str())) {
        reasons.push(format!("unknown key {unknown:?}; the keys are {}", KEYS.join(", ")));
    }
    let mut text = |key: &str| match fields.get(key) {
        Some(serde_json::Value::String(value)) => value.clone(),
        None | Some(serde_json::Value::Null) => {
            reasons.push(format!("{key}: missing"));
            String::new()
        }
        Some(_) => {
            reasons.push(format!("{key}: must be a string"));
            String::new()
        }
    };
    let (first_name, last_name, email, username, password_hash) =
        (text("first_name"), text("last_name"), text("email"), text("username"), text("password_hash"));
    let roles = match fields.get("roles") {
        None | Some(serde_json::Value::Null) => Vec::new(),
        Some(serde_json::Value::Array(roles)) if roles.iter().all(serde_json::Value::is_string) => {
            roles.iter().filter_map(serde_json::Value::as_str).map(str::to_owned).collect()
        }
        Some(_) => {
            reasons.push("roles: must be a list of strings".into());
            Vec::new()
        }
    };
    let email_confirmed = match fields.get("email_confirmed") {
        None | Some(serde_json::Value::Null) => false,
        Some(serde_json::Value::Bool(confirmed)) => *confirmed,
        Some(_) => {
            reasons.push("email_confirmed: must be true or false".into());
            false
        }
    };
    if !reasons.is_empty() {
        return Err(reasons.join("; "));
    }
    Ok(Record { first_name, last_name, email, username, password_hash, roles, email_confirmed })
}

fn csv_record(row: &csv::StringRecord, columns: &[Option<usize>; KEYS.len()]) -> Result<Record, String> {
    let cell = |key: usize| columns[key].and_then(|at| row.get(at)).unwrap_or_default();
    let mut reasons = Vec::new();
    let roles_cell = cell(5).trim();
    let roles = if roles_cell.starts_with('[') {
        serde_json::from_str::<Vec<String>>(roles_cell).unwrap_or_else(|_| {
            reasons.push("roles: a cell starting with [ must be a JSON list of strings".to_owned());
            Vec::new()
        })
    } else {
        roles_cell.split(';').map(str::trim).filter(|role| !role.is_empty()).map(str::to_owned).collect()
    };
    let email_confirmed = match cell(6).trim().to_ascii_lowercase().as_str() {
        "" | "false" => false,
        "true" => true,
        _ => {
            reasons.push("email_confirmed: must be true, false or empty".to_owned());
            false
        }
    };
    if !reasons.is_empty() {
        return Err(reasons.join("; "));
    }
    Ok(Record {
        first_name: cell(0).to_owned(),
        last_name: cell(1).to_owned(),
        email: cell(2).to_owned(),
        username: cell(3).to_owned(),
        password_hash: cell(4).trim().to_owned(),
        roles,
        email_confirmed,
    })
}

/// What kind of JSON error, without serde's excerpt of the text.
trait ClassifyText {
    fn classify_text(&self) -> String;
}

impl ClassifyText for serde_json::Error {
    fn classify_text(&self) -> String {
        let what = match self.classify() {
            serde_json::error::Category::Eof => "it ends too early",
            serde_json::error::Category::Syntax => "bad syntax",
            serde_json::error::Category::Data | serde_json::error::Category::Io => "unreadable",
        };
        format!("{what} at column {}", self.column())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_json_line_reads_with_its_defaults() {
        let record = json_record(
            r#"{"first_name":"Ada","last_name":"L","email":"a@example.com","username":"ada","password_hash":"h"}"#,
        )
        .unwrap();
        assert!(record.roles.is_empty() && !record.email_confirmed);
    }

    #[test]
    fn json_reasons_name_keys_never_values() {
        let why = json_record(r#"{"first_name":1,"email_confirmed":"$2b$04$secret","roles":"admin","extra":true}"#)
            .err()
            .unwrap();
        for part in [
            "unknown key \"extra\"",
            "first_name: must be a string",
            "last_name: missing",
            "roles: must be a list",
            "email_confirmed: must be true or false",
        ] {
            assert!(why.contains(part), "{part} missing from {why}");
        }
        assert!(!why.contains("secret"), "{why}");
        let syntax = json_record(r#"{"first_name": "$2b$04$secret"#).err().unwrap();
        assert!(syntax.starts_with("not a JSON object") && !syntax.contains("secret"), "{syntax}");
        assert_eq!(json_record("[1, 2]").err().unwrap(), "not a JSON object");
    }

    fn csv(text: &str) -> Result<Vec<Result<Record, String>>, CliError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("in.csv");
        std::fs::write(&path, text).unwrap();
        let mut lines = Lines::open(File::open(&path).unwrap(), ImportFormat::Csv)?;
        let mut records = Vec::new();
        while let Some(line) = lines.next_line() {
            records.push(line.unwrap().record);
        }
        Ok(records)
    }

    #[test]
    fn csv_roles_take_semicolons_or_a_json_list() {
        let records = csv("\u{feff}username,first_name,last_name,email,password_hash,roles,email_confirmed\n\
             ada,Ada,L,a@example.com,h,admin; staff,TRUE\n\
             bob,Bob,B,b@example.com,h,\"[\"\"admin\"\",\"\"x\"\"]\",\n\
             cy,Cy,C,c@example.com,h,,maybe\n\
             short,row\n")
        .unwrap();
        let ada = records[0].as_ref().unwrap();
        assert_eq!(
            (ada.username.as_str(), ada.roles.clone(), ada.email_confirmed),
            ("ada", vec!["admin".to_owned(), "staff".to_owned()], true)
        );
        assert_eq!(records[1].as_ref().unwrap().roles, ["admin", "x"]);
        assert!(records[2].as_ref().err().unwrap().contains("email_confirmed"));
        assert!(records[3].as_ref().err().unwrap().contains("2 fields where the header row has 7"));
    }

    #[test]
    fn a_csv_header_must_have_the_import_columns_and_no_others() {
        let missing = csv("first_name,last_name,email,username\n").err().unwrap().to_string();
        assert_eq!(missing, "the CSV header has no password_hash column");
        let unknown = csv("first_name,last_name,email,username,password_hash,password\n").err().unwrap().to_string();
        assert!(unknown.contains("column \"password\""), "{unknown}");
    }
}
