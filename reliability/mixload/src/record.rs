//! What one request came to: which step it was, how it was answered, how long it took.

use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;

/// The steps a virtual user takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Step {
    RegisterForm,
    Register,
    LoginForm,
    Login,
    Orders,
    Logout,
}

impl Step {
    /// The status a healthy shop answers this step with.
    pub(crate) fn expected(self) -> u16 {
        match self {
            Self::RegisterForm | Self::LoginForm | Self::Orders => 200,
            Self::Register | Self::Login | Self::Logout => 303,
        }
    }
}

/// How a request was answered, in the classes the reports count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Class {
    #[serde(rename = "ok_2xx")]
    Ok2xx,
    #[serde(rename = "redirect_3xx")]
    Redirect3xx,
    #[serde(rename = "client_4xx")]
    Client4xx,
    #[serde(rename = "throttled_429")]
    Throttled429,
    #[serde(rename = "unavailable_503")]
    Unavailable503,
    #[serde(rename = "other_5xx")]
    Other5xx,
    /// Refused, reset or cut off before an answer.
    ConnectionError,
    /// No answer within the client's timeout.
    Timeout,
}

impl Class {
    /// Every class, in the timeline's column order.
    pub(crate) const ALL: [Self; 8] = [
        Self::Ok2xx,
        Self::Redirect3xx,
        Self::Client4xx,
        Self::Throttled429,
        Self::Unavailable503,
        Self::Other5xx,
        Self::ConnectionError,
        Self::Timeout,
    ];

    /// The class of an HTTP status.
    pub(crate) fn of_status(status: u16) -> Self {
        match status {
            429 => Self::Throttled429,
            503 => Self::Unavailable503,
            500..=599 => Self::Other5xx,
            400..=499 => Self::Client4xx,
            300..=399 => Self::Redirect3xx,
            _ => Self::Ok2xx,
        }
    }

    /// The class of a request that got no answer.
    pub(crate) fn of_error(error: &reqwest::Error) -> Self {
        if error.is_timeout() { Self::Timeout } else { Self::ConnectionError }
    }

    /// The column name in the CSV timeline.
    pub(crate) fn column(self) -> &'static str {
        match self {
            Self::Ok2xx => "ok_2xx",
            Self::Redirect3xx => "redirect_3xx",
            Self::Client4xx => "client_4xx",
            Self::Throttled429 => "throttled_429",
            Self::Unavailable503 => "unavailable_503",
            Self::Other5xx => "other_5xx",
            Self::ConnectionError => "connection_error",
            Self::Timeout => "timeout",
        }
    }

    /// True for what a store fault may cause but a healthy shop never answers.
    pub(crate) fn is_failure(self) -> bool {
        matches!(self, Self::Unavailable503 | Self::Other5xx | Self::ConnectionError | Self::Timeout)
    }
}

/// One finished request.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Event {
    /// When the answer (or the error) arrived, in milliseconds since the Unix epoch.
    pub(crate) done_ms: u64,
    pub(crate) latency_us: u64,
    pub(crate) step: Step,
    pub(crate) class: Class,
    /// The answer was not what a healthy shop sends for this step (and was no failure either).
    pub(crate) unexpected: bool,
}

/// Milliseconds since the Unix epoch, the clock the fault scripts use too.
pub(crate) fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |elapsed| elapsed.as_millis() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_fall_into_their_classes() {
        assert_eq!(Class::of_status(200), Class::Ok2xx);
        assert_eq!(Class::of_status(303), Class::Redirect3xx);
        assert_eq!(Class::of_status(403), Class::Client4xx);
        assert_eq!(Class::of_status(429), Class::Throttled429);
        assert_eq!(Class::of_status(503), Class::Unavailable503);
        assert_eq!(Class::of_status(500), Class::Other5xx);
        assert_eq!(Class::of_status(504), Class::Other5xx);
        assert!(Class::Unavailable503.is_failure() && !Class::Client4xx.is_failure());
    }
}
