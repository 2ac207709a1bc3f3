//! The SMTP mailer against a small SMTP server on a free loopback port that records what it
//! is sent.

#![cfg(feature = "smtp")]
// Tests state their expectations with unwrap and panic, helpers included.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use customer_auth_core::{Email, Error, Mailer, SmtpMailer};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// Accepts one SMTP conversation and returns the message data it received.
async fn one_message_server() -> (u16, tokio::task::JoinHandle<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = tokio::spawn(async move {
        let (socket, _) = listener.accept().await.unwrap();
        let (read, mut write) = socket.into_split();
        let mut lines = BufReader::new(read).lines();
        write.write_all(b"220 test ESMTP\r\n").await.unwrap();
        let mut data = String::new();
        let mut in_data = false;
        while let Some(line) = lines.next_line().await.unwrap() {
            if in_data {
                if line == "." {
                    in_data = false;
                    write.write_all(b"250 queued\r\n").await.unwrap();
                } else {
                    data.push_str(&line);
                    data.push('\n');
                }
                continue;
            }
            let verb = line.split_whitespace().next().unwrap_or_default().to_ascii_uppercase();
            let reply: &[u8] = match verb.as_str() {
                "EHLO" | "HELO" => b"250 test\r\n",
                "DATA" => {
                    in_data = true;
                    b"354 go ahead\r\n"
                }
                "QUIT" => {
                    write.write_all(b"221 bye\r\n").await.unwrap();
                    break;
                }
                _ => b"250 ok\r\n",
            };
            write.write_all(reply).await.unwrap();
        }
        data
    });
    (port, server)
}

#[tokio::test]
async fn a_message_reaches_the_server() {
    let (port, server) = one_message_server().await;
    let mailer = SmtpMailer::new(&format!("smtp://127.0.0.1:{port}"), "Camera Store <shop@example.com>").unwrap();
    let email = Email {
        to: "ada@example.com".into(),
        subject: "Reset your password".into(),
        body: "Open http://127.0.0.1/reset/abc to choose a new password.".into(),
    };
    mailer.send(&email).await.unwrap();
    drop(mailer);
    let data = server.await.unwrap();
    assert!(data.contains("To: ada@example.com"), "{data}");
    assert!(data.contains("Subject: Reset your password"), "{data}");
    assert!(data.contains("/reset/abc"), "{data}");
}

#[tokio::test]
async fn a_server_that_is_down_is_unavailable_and_bad_settings_are_config_errors() {
    let mailer = SmtpMailer::new("smtp://127.0.0.1:1", "shop@example.com").unwrap();
    let email = Email { to: "ada@example.com".into(), subject: "Hi".into(), body: "Hello".into() };
    assert!(matches!(mailer.send(&email).await, Err(Error::Unavailable(_))));
    assert!(matches!(SmtpMailer::new("http://nope", "shop@example.com"), Err(Error::Config(_))));
    assert!(matches!(SmtpMailer::new("smtp://127.0.0.1:25", "not an address"), Err(Error::Config(_))));
    let secret = SmtpMailer::new("smtp://user:hunter2@127.0.0.1:25", "shop@example.com").unwrap();
    assert!(!format!("{secret:?}").contains("hunter2"));
}
