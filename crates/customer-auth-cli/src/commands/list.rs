//! `list`: every customer in registration order, as a table or as JSON.

use customer_auth::{Customer, Timestamp};
use serde::Serialize;

use super::roles_text;
use crate::error::CliError;
use crate::output;
use crate::store_url::Store;

/// One customer as `--json` prints it: no hash, no lockout details.
#[derive(Serialize)]
struct Row<'a> {
    id: String,
    username: &'a str,
    first_name: &'a str,
    last_name: &'a str,
    email: &'a str,
    roles: Vec<&'a str>,
    status: &'static str,
    created_at: String,
}

impl<'a> Row<'a> {
    fn of(customer: &'a Customer) -> Self {
        Self {
            id: customer.id.to_string(),
            username: &customer.username,
            first_name: &customer.first_name,
            last_name: &customer.last_name,
            email: &customer.email,
            roles: customer.roles.iter().map(String::as_str).collect(),
            status: customer.status.as_str(),
            created_at: rfc3339(customer.created_at),
        }
    }
}

pub(super) async fn run(store: &Store, json: bool, page_size: u32) -> Result<(), CliError> {
    let mut customers = Vec::new();
    let mut after = None;
    loop {
        let page = store.customers.list_customers(after, page_size).await?;
        let full = page.len() >= page_size as usize;
        after = page.last().map(|customer| customer.id);
        customers.extend(page);
        if !full || after.is_none() {
            break;
        }
    }
    let text = if json { to_json(&customers)? } else { table(&customers) };
    output::write(&text)
}

fn to_json(customers: &[Customer]) -> Result<String, CliError> {
    let rows: Vec<Row<'_>> = customers.iter().map(Row::of).collect();
    serde_json::to_string_pretty(&rows)
        .map(|json| json + "\n")
        .map_err(|err| CliError::Local(format!("could not write the list as JSON: {err}")))
}

fn table(customers: &[Customer]) -> String {
    let header = ["USERNAME", "NAME", "EMAIL", "ROLES", "STATUS", "CREATED"].map(str::to_owned);
    let rows: Vec<[String; 6]> = customers
        .iter()
        .map(|customer| {
            [
                customer.username.clone(),
                format!("{} {}", customer.first_name, customer.last_name),
                customer.email.clone(),
                roles_text(&customer.roles),
                customer.status.as_str().to_owned(),
                rfc3339(customer.created_at),
            ]
        })
        .collect();
    let mut widths = [0usize; 6];
    for row in std::iter::once(&header).chain(&rows) {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in std::iter::once(&header).chain(&rows) {
        let cells: Vec<String> = row
            .iter()
            .zip(widths)
            .map(|(cell, width)| format!("{cell}{}", " ".repeat(width - cell.chars().count())))
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    let count = customers.len();
    out.push_str(&format!("{count} customer{}\n", if count == 1 { "" } else { "s" }));
    out
}

/// `2026-11-25T12:15:40Z`; the raw seconds if the time is out of range.
pub(super) fn rfc3339(at: Timestamp) -> String {
    time::OffsetDateTime::from_unix_timestamp(at.as_unix())
        .ok()
        .and_then(|at| at.format(&time::format_description::well_known::Rfc3339).ok())
        .unwrap_or_else(|| at.as_unix().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_rfc3339_in_utc() {
        assert_eq!(rfc3339(Timestamp::from_unix(0)), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(Timestamp::from_unix(1_795_000_000)), "2026-11-18T11:06:40Z");
    }

    #[test]
    fn an_empty_store_is_a_header_and_a_count() {
        assert_eq!(table(&[]), "USERNAME  NAME  EMAIL  ROLES  STATUS  CREATED\n0 customers\n");
    }
}
