//! Turning the recorded requests into the run's summary, its per-second timeline, and one row
//! per fault with the time the shop took to recover.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use crate::record::{Class, Event, Step};

/// Latency percentiles in milliseconds (nearest rank).
#[derive(Debug, Default, Serialize, PartialEq)]
pub(crate) struct Latency {
    pub(crate) p50_ms: f64,
    pub(crate) p90_ms: f64,
    pub(crate) p99_ms: f64,
    pub(crate) max_ms: f64,
}

impl Latency {
    pub(crate) fn of(events: &[&Event]) -> Self {
        let mut micros: Vec<u64> = events.iter().map(|event| event.latency_us).collect();
        micros.sort_unstable();
        let rank = |share: f64| {
            let at = ((share * micros.len() as f64).ceil() as usize).clamp(1, micros.len().max(1)) - 1;
            micros.get(at).map_or(0.0, |&us| us as f64 / 1000.0)
        };
        Self { p50_ms: rank(0.50), p90_ms: rank(0.90), p99_ms: rank(0.99), max_ms: rank(1.0) }
    }
}

/// Requests counted by class, plus the answers a healthy shop would not have given.
#[derive(Debug, Default, Serialize)]
pub(crate) struct Counts {
    pub(crate) requests: u64,
    pub(crate) by_class: BTreeMap<Class, u64>,
    pub(crate) unexpected: u64,
    pub(crate) latency: Latency,
}

impl Counts {
    pub(crate) fn of(events: &[&Event]) -> Self {
        let mut by_class = BTreeMap::new();
        for event in events {
            *by_class.entry(event.class).or_insert(0) += 1;
        }
        Self {
            requests: events.len() as u64,
            by_class,
            unexpected: events.iter().filter(|event| event.unexpected).count() as u64,
            latency: Latency::of(events),
        }
    }

    pub(crate) fn of_class(&self, class: Class) -> u64 {
        self.by_class.get(&class).copied().unwrap_or(0)
    }
}

/// Counts over the whole run and per step.
pub(crate) fn by_step(events: &[Event]) -> (Counts, BTreeMap<Step, Counts>) {
    let all: Vec<&Event> = events.iter().collect();
    let mut steps: BTreeMap<Step, Vec<&Event>> = BTreeMap::new();
    for event in events {
        steps.entry(event.step).or_default().push(event);
    }
    (Counts::of(&all), steps.into_iter().map(|(step, events)| (step, Counts::of(&events))).collect())
}

/// One line per second of the run: answers by class (by the second they arrived in) and
/// latency percentiles.
pub(crate) fn timeline_csv(events: &[Event], started_ms: u64) -> String {
    let mut seconds: BTreeMap<u64, Vec<&Event>> = BTreeMap::new();
    for event in events {
        seconds.entry(event.done_ms / 1000).or_default().push(event);
    }
    let mut csv = String::from("unix_s,elapsed_s");
    for class in Class::ALL {
        let _ = write!(csv, ",{}", class.column());
    }
    csv.push_str(",p50_ms,p99_ms,max_ms\n");
    for (second, events) in seconds {
        let elapsed = second.saturating_sub(started_ms / 1000);
        let _ = write!(csv, "{second},{elapsed}");
        for class in Class::ALL {
            let _ = write!(csv, ",{}", events.iter().filter(|event| event.class == class).count());
        }
        let latency = Latency::of(&events);
        let _ = writeln!(csv, ",{:.1},{:.1},{:.1}", latency.p50_ms, latency.p99_ms, latency.max_ms);
    }
    csv
}

/// A fault as the script that caused it marked it: the store was unavailable from `start_ms`
/// and available again from `back_ms`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct Mark {
    pub(crate) name: String,
    pub(crate) start_ms: u64,
    pub(crate) back_ms: u64,
}

/// Reads `<name> <start_ms> <back_ms>` lines; other lines are skipped.
pub(crate) fn parse_marks(text: &str) -> Vec<Mark> {
    text.lines()
        .filter_map(|line| {
            let mut fields = line.split_whitespace();
            let name = fields.next()?.to_owned();
            let start_ms = fields.next()?.parse().ok()?;
            let back_ms = fields.next()?.parse().ok()?;
            Some(Mark { name, start_ms, back_ms })
        })
        .collect()
}

/// What one fault did to the traffic.
#[derive(Debug, Serialize)]
pub(crate) struct FaultReport {
    #[serde(flatten)]
    pub(crate) mark: Mark,
    /// Requests in flight at any moment between the fault and the store being back.
    pub(crate) during: Counts,
    /// Whole seconds from the store being back to the first second (counted from that moment)
    /// in which requests were answered and none failed; `None` if that never came before the
    /// next fault or the end of the run.
    pub(crate) recovery_s: Option<u64>,
    /// Failures answered after the store was back, until the next fault.
    pub(crate) failures_after_back: u64,
}

/// One report per mark; `end_ms` is when the load stopped.
pub(crate) fn faults(events: &[Event], marks: &[Mark], end_ms: u64) -> Vec<FaultReport> {
    marks
        .iter()
        .enumerate()
        .map(|(at, mark)| {
            let until = marks.get(at + 1).map_or(end_ms, |next| next.start_ms);
            let during: Vec<&Event> = events
                .iter()
                .filter(|event| {
                    let sent_ms = event.done_ms.saturating_sub(event.latency_us / 1000);
                    sent_ms < mark.back_ms && event.done_ms >= mark.start_ms
                })
                .collect();
            let after: Vec<&Event> =
                events.iter().filter(|event| event.done_ms >= mark.back_ms && event.done_ms < until).collect();
            FaultReport {
                mark: mark.clone(),
                during: Counts::of(&during),
                recovery_s: recovery_s(&after, mark.back_ms, until),
                failures_after_back: after.iter().filter(|event| event.class.is_failure()).count() as u64,
            }
        })
        .collect()
}

/// The first whole second after `back_ms` (counted from it) in which something was answered and
/// nothing failed, as seconds after `back_ms`.
fn recovery_s(after: &[&Event], back_ms: u64, until_ms: u64) -> Option<u64> {
    let seconds = until_ms.saturating_sub(back_ms) / 1000;
    (0..seconds).find(|second| {
        let window = back_ms + second * 1000..back_ms + (second + 1) * 1000;
        let mut answered = false;
        for event in after.iter().filter(|event| window.contains(&event.done_ms)) {
            if event.class.is_failure() {
                return false;
            }
            answered = true;
        }
        answered
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(done_ms: u64, latency_ms: u64, class: Class) -> Event {
        Event { done_ms, latency_us: latency_ms * 1000, step: Step::Orders, class, unexpected: false }
    }

    #[test]
    fn recovery_is_the_first_clean_second_after_the_store_is_back() {
        let back = 10_000;
        let events = [
            event(9_500, 5, Class::Unavailable503),
            event(10_200, 5, Class::Unavailable503),
            event(11_100, 5, Class::Ok2xx),
            event(11_900, 5, Class::ConnectionError),
            event(12_400, 5, Class::Ok2xx),
            event(13_500, 5, Class::Ok2xx),
        ];
        let marks = [Mark { name: "stop".into(), start_ms: 8_000, back_ms: back }];
        let reports = faults(&events, &marks, 20_000);
        let report = &reports[0];
        assert_eq!(report.recovery_s, Some(2), "seconds 0 and 1 had failures, second 2 was clean");
        assert_eq!(report.failures_after_back, 2);
        assert_eq!(report.during.requests, 1, "only the 503 at 9.5 s was in flight during the fault");
    }

    #[test]
    fn a_request_hanging_across_the_fault_counts_and_silence_is_no_recovery() {
        // Sent at 7 s, answered at 12 s: it spans the fault. Nothing answers after it.
        let events = [event(12_000, 5_000, Class::Ok2xx)];
        let marks = [Mark { name: "block".into(), start_ms: 8_000, back_ms: 11_500 }];
        let reports = faults(&events, &marks, 11_500 + 3_000);
        assert_eq!(reports[0].during.requests, 1);
        assert_eq!(reports[0].recovery_s, Some(0));
        let reports = faults(&[], &marks, 11_500 + 3_000);
        assert_eq!(reports[0].recovery_s, None, "no answers is not a recovery");
    }

    #[test]
    fn marks_parse_and_percentiles_use_nearest_rank() {
        let marks = parse_marks("# header\npg-restart 100 200\nbroken line\n");
        assert_eq!(marks, [Mark { name: "pg-restart".into(), start_ms: 100, back_ms: 200 }]);
        let events: Vec<Event> = (1..=100).map(|ms| event(ms, ms, Class::Ok2xx)).collect();
        let refs: Vec<&Event> = events.iter().collect();
        let latency = Latency::of(&refs);
        assert_eq!((latency.p50_ms, latency.p99_ms, latency.max_ms), (50.0, 99.0, 100.0));
        assert_eq!(Latency::of(&[]), Latency::default());
    }

    #[test]
    fn the_timeline_has_one_line_per_second_with_every_class() {
        let events =
            [event(1_000, 1, Class::Ok2xx), event(1_999, 1, Class::Unavailable503), event(3_000, 1, Class::Ok2xx)];
        let csv = timeline_csv(&events, 1_000);
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[0].starts_with("unix_s,elapsed_s,ok_2xx,redirect_3xx"));
        assert!(lines[1].starts_with("1,0,1,0,0,0,1,0,0,0,"), "{}", lines[1]);
        assert!(lines[2].starts_with("3,2,1,"), "{}", lines[2]);
    }
}
