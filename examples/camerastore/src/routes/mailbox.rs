//! `/dev/mailbox`: the mails the shop wrote to its outbox, newest first, links clickable, as
//! Phoenix's Swoosh mailbox and Rails' letter_opener_web show them. Only while mail goes to the
//! outbox (development): with SMTP the page does not exist. Its links are live tokens, so it
//! answers only clients on this machine.

use std::path::Path;

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use customer_auth_tower::Session;
use customer_auth_tower::device::RequestClient;
use http::StatusCode;
use minijinja::context;
use serde::Serialize;

use super::Layout;
use crate::AppState;
use crate::error::AppError;

/// The most mails shown.
const SHOWN: usize = 50;

#[derive(Serialize)]
struct Mail {
    to: String,
    subject: String,
    lines: Vec<Vec<Part>>,
}

/// A piece of a body line: text, or a link.
#[derive(Serialize)]
struct Part {
    text: String,
    link: bool,
}

pub(super) async fn show(
    State(state): State<AppState>,
    session: Session,
    RequestClient(client): RequestClient,
) -> Result<Response, AppError> {
    let Some(dir) = state.mailbox.as_deref() else {
        return Ok((StatusCode::NOT_FOUND, "Not found.").into_response());
    };
    if client.address.is_some_and(|address| !address.is_loopback()) {
        return Ok((StatusCode::FORBIDDEN, "The development mailbox answers only this machine.").into_response());
    }
    let mails = read(dir).await;
    let layout = Layout::without_form(&session).await?;
    Ok(state.templates.render("mailbox.html", context! { layout, mails })?.into_response())
}

async fn read(dir: &Path) -> Vec<Mail> {
    let mut names = Vec::new();
    if let Ok(mut entries) = tokio::fs::read_dir(dir).await {
        while let Ok(Some(entry)) = entries.next_entry().await {
            if entry.path().extension().is_some_and(|extension| extension == "eml") {
                names.push(entry.path());
            }
        }
    }
    // The outbox names its files by the time they were written: newest last.
    names.sort_unstable_by(|a, b| b.cmp(a));
    let mut mails = Vec::new();
    for path in names.into_iter().take(SHOWN) {
        if let Ok(text) = tokio::fs::read_to_string(&path).await {
            mails.push(parse(&text));
        }
    }
    mails
}

fn parse(text: &str) -> Mail {
    let (head, body) = text.split_once("\n\n").unwrap_or((text, ""));
    let header = |name: &str| {
        head.lines().find_map(|line| line.strip_prefix(name)).map(str::trim).unwrap_or_default().to_owned()
    };
    let lines = body.lines().map(parts).collect();
    Mail { to: header("To:"), subject: header("Subject:"), lines }
}

/// A line split into text and links (the words that start with `http://` or `https://`).
fn parts(line: &str) -> Vec<Part> {
    let mut parts = Vec::new();
    for (n, word) in line.split(' ').enumerate() {
        let link = word.starts_with("http://") || word.starts_with("https://");
        let text = if n == 0 { word.to_owned() } else { format!(" {word}") };
        match (link, parts.last_mut()) {
            (false, Some(Part { text: last, link: false })) => last.push_str(&text),
            _ if link => {
                if n > 0 {
                    parts.push(Part { text: " ".into(), link: false });
                }
                parts.push(Part { text: word.to_owned(), link: true });
            }
            _ => parts.push(Part { text, link: false }),
        }
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_told_from_text() {
        let mail =
            parse("To: ada@example.com\nSubject: Reset\n\nHello Ada,\n\nhttps://shop.example/reset/abc and more\n");
        assert_eq!((mail.to.as_str(), mail.subject.as_str()), ("ada@example.com", "Reset"));
        let link_line = &mail.lines[2];
        assert!(link_line[0].link && link_line[0].text == "https://shop.example/reset/abc");
        assert!(!link_line[1].link && link_line[1].text == " and more");
    }
}
