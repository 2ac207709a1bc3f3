//! The shop's pages: Jinja templates from `templates/`, compiled into the binary.

use axum::response::Html;
use minijinja::Environment;
use serde::Serialize;

/// Every page, by name.
#[derive(Debug)]
pub struct Templates {
    env: Environment<'static>,
}

impl Templates {
    /// Loads the templates. Names ending in `.html` are auto-escaped.
    pub fn new() -> Result<Self, minijinja::Error> {
        let mut env = Environment::new();
        for (name, source) in [
            ("base.html", include_str!("../templates/base.html")),
            ("home.html", include_str!("../templates/home.html")),
            ("register.html", include_str!("../templates/register.html")),
            ("login.html", include_str!("../templates/login.html")),
            ("mailbox.html", include_str!("../templates/mailbox.html")),
            ("error.html", include_str!("../templates/error.html")),
            ("security.html", include_str!("../templates/security.html")),
            ("totp_setup.html", include_str!("../templates/totp_setup.html")),
            ("recovery_codes.html", include_str!("../templates/recovery_codes.html")),
            ("second_factor.html", include_str!("../templates/second_factor.html")),
            ("confirm_identity.html", include_str!("../templates/confirm_identity.html")),
            ("logout.html", include_str!("../templates/logout.html")),
            ("unlock.html", include_str!("../templates/unlock.html")),
            ("orders.html", include_str!("../templates/orders.html")),
            ("admin.html", include_str!("../templates/admin.html")),
            ("password.html", include_str!("../templates/password.html")),
            ("delete_account.html", include_str!("../templates/delete_account.html")),
            ("forgot.html", include_str!("../templates/forgot.html")),
            ("reset.html", include_str!("../templates/reset.html")),
            ("resend.html", include_str!("../templates/resend.html")),
            ("sessions.html", include_str!("../templates/sessions.html")),
        ] {
            env.add_template(name, source)?;
        }
        env.add_filter("price", price);
        env.add_filter("date", date);
        env.add_filter("datetime", datetime);
        Ok(Self { env })
    }

    /// Shows the development mailbox's link in every page's header (only while mail goes to
    /// the outbox).
    pub fn show_mailbox(&mut self, shown: bool) {
        self.env.add_global("mailbox", shown);
    }

    /// Renders the page `name` with `context`.
    pub(crate) fn render(&self, name: &str, context: impl Serialize) -> Result<Html<String>, minijinja::Error> {
        self.env.get_template(name)?.render(context).map(Html)
    }
}

/// `349500` cents as `$3,495.00`.
fn price(cents: i64) -> String {
    let dollars = (cents / 100).to_string();
    let mut grouped = String::new();
    for (i, digit) in dollars.chars().enumerate() {
        if i > 0 && (dollars.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    format!("${grouped}.{:02}", cents % 100)
}

/// Unix seconds as `2026-11-25` (UTC), by Howard Hinnant's days-to-civil algorithm.
fn date(unix: i64) -> String {
    let days = unix.div_euclid(86_400) + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days.rem_euclid(146_097);
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 { month_index + 3 } else { month_index - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// Unix seconds as `2026-11-25 14:05 UTC`.
fn datetime(unix: i64) -> String {
    let minutes = unix.rem_euclid(86_400) / 60;
    format!("{} {:02}:{:02} UTC", date(unix), minutes / 60, minutes % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_are_grouped() {
        assert_eq!(price(349_500), "$3,495.00");
        assert_eq!(price(6_499), "$64.99");
        assert_eq!(price(123_456_789), "$1,234,567.89");
        assert_eq!(price(5), "$0.05");
    }

    #[test]
    fn dates_are_civil() {
        assert_eq!(date(0), "1970-01-01");
        assert_eq!(date(951_782_400), "2000-02-29");
        assert_eq!(date(1_795_600_000), "2026-11-25");
        assert_eq!(datetime(1_795_600_000), "2026-11-25 09:46 UTC");
    }
}
