//! iCalendar (RFC 5545) invitations for training sessions, as the
//! scheduling methods of RFC 5546 use them: `REQUEST` for a new or changed
//! session, `CANCEL` for a cancelled one. Every version of a session's
//! invitation has the same UID and a higher SEQUENCE, so a calendar updates
//! the one event. Times are local times of the workspace's calendar time
//! zone (`DTSTART;TZID=…`) with that zone's VTIMEZONE around the session.

use chrono::{DateTime, Duration, Offset, TimeZone, Utc};
use chrono_tz::{OffsetComponents, OffsetName, Tz};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Request,
    Cancel,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Request => "REQUEST",
            Method::Cancel => "CANCEL",
        }
    }

    /// The MIME type of an .ics with this method.
    pub fn content_type(self) -> String {
        format!("text/calendar; method={}; charset=UTF-8", self.as_str())
    }
}

pub struct Person<'a> {
    pub name: &'a str,
    pub email: &'a str,
}

pub struct Event<'a> {
    pub uid: &'a str,
    pub sequence: i32,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub summary: &'a str,
    pub description: &'a str,
    pub location: Option<&'a str>,
    pub url: Option<&'a str>,
    pub organizer: Person<'a>,
    pub attendee: Person<'a>,
    pub stamp: DateTime<Utc>,
}

/// Escapes a TEXT value (RFC 5545 §3.3.11).
fn text(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// A parameter value, quoted when it holds `:;,` (quotes cannot be escaped).
fn param(value: &str) -> String {
    let clean: String = value
        .chars()
        .filter(|c| *c != '"' && !c.is_control())
        .collect();
    if clean.contains([':', ';', ',']) {
        format!("\"{clean}\"")
    } else {
        clean
    }
}

/// Folds a content line at 75 octets without splitting a UTF-8 character.
fn fold(line: &str, out: &mut String) {
    let mut width = 0;
    for c in line.chars() {
        let len = c.len_utf8();
        if width + len > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += len;
    }
    out.push_str("\r\n");
}

fn utc_stamp(at: DateTime<Utc>) -> String {
    at.format("%Y%m%dT%H%M%SZ").to_string()
}

fn local_stamp(at: DateTime<Utc>, tz: Tz) -> String {
    at.with_timezone(&tz).format("%Y%m%dT%H%M%S").to_string()
}

fn offset_text(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let s = seconds.abs();
    let (h, m, sec) = (s / 3600, s / 60 % 60, s % 60);
    if sec == 0 {
        format!("{sign}{h:02}{m:02}")
    } else {
        format!("{sign}{h:02}{m:02}{sec:02}")
    }
}

#[derive(Debug, Clone, PartialEq)]
struct Observance {
    offset: i32,
    dst: bool,
    name: String,
}

fn observance(tz: Tz, at: DateTime<Utc>) -> Observance {
    let offset = tz.offset_from_utc_datetime(&at.naive_utc());
    Observance {
        offset: offset.fix().local_minus_utc(),
        dst: !offset.dst_offset().is_zero(),
        name: offset.abbreviation().unwrap_or_default().to_string(),
    }
}

/// The zone's offset changes between `from` and `to`: the first instant of
/// each new observance.
fn transitions(tz: Tz, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<DateTime<Utc>> {
    let mut found = Vec::new();
    let mut day = from;
    while day < to {
        let next = day + Duration::days(1);
        if observance(tz, day).offset != observance(tz, next).offset {
            // The change lies in (day, next]: narrow it to the second.
            let (mut lo, mut hi) = (day, next);
            while hi - lo > Duration::seconds(1) {
                let mid = lo + (hi - lo) / 2;
                if observance(tz, mid).offset == observance(tz, lo).offset {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            found.push(hi);
        }
        day = next;
    }
    found
}

fn push_observance(out: &mut String, obs: &Observance, from: i32, start_local: &str) {
    let kind = if obs.dst { "DAYLIGHT" } else { "STANDARD" };
    fold(&format!("BEGIN:{kind}"), out);
    fold(&format!("DTSTART:{start_local}"), out);
    fold(&format!("TZOFFSETFROM:{}", offset_text(from)), out);
    fold(&format!("TZOFFSETTO:{}", offset_text(obs.offset)), out);
    if !obs.name.is_empty() {
        fold(&format!("TZNAME:{}", text(&obs.name)), out);
    }
    fold(&format!("END:{kind}"), out);
}

/// The zone's rules for a year either side of the event: the observance in
/// force then (from 1970, as far as this calendar is concerned) and each
/// change after it, so every time in the file resolves to one instant.
fn vtimezone(tz: Tz, starts_at: DateTime<Utc>, ends_at: DateTime<Utc>, out: &mut String) {
    let from = starts_at - Duration::days(366);
    let to = ends_at + Duration::days(366);
    fold("BEGIN:VTIMEZONE", out);
    fold(&format!("TZID:{}", tz.name()), out);
    let first = observance(tz, from);
    push_observance(out, &first, first.offset, "19700101T000000");
    let mut previous = first.offset;
    for at in transitions(tz, from, to) {
        let obs = observance(tz, at);
        // An onset is the local time of the observance it ends.
        let local = (at.naive_utc() + Duration::seconds(i64::from(previous)))
            .format("%Y%m%dT%H%M%S")
            .to_string();
        push_observance(out, &obs, previous, &local);
        previous = obs.offset;
    }
    fold("END:VTIMEZONE", out);
}

/// The .ics file of one attendee's invitation (or its cancellation).
pub fn calendar(method: Method, event: &Event<'_>, tz: Tz) -> String {
    let mut out = String::new();
    for line in [
        "BEGIN:VCALENDAR",
        "PRODID:-//Steward//Training//EN",
        "VERSION:2.0",
        "CALSCALE:GREGORIAN",
    ] {
        fold(line, &mut out);
    }
    fold(&format!("METHOD:{}", method.as_str()), &mut out);
    vtimezone(tz, event.starts_at, event.ends_at, &mut out);
    fold("BEGIN:VEVENT", &mut out);
    fold(&format!("UID:{}", event.uid), &mut out);
    fold(&format!("SEQUENCE:{}", event.sequence), &mut out);
    fold(&format!("DTSTAMP:{}", utc_stamp(event.stamp)), &mut out);
    let zone = tz.name();
    fold(
        &format!("DTSTART;TZID={zone}:{}", local_stamp(event.starts_at, tz)),
        &mut out,
    );
    fold(
        &format!("DTEND;TZID={zone}:{}", local_stamp(event.ends_at, tz)),
        &mut out,
    );
    fold(&format!("SUMMARY:{}", text(event.summary)), &mut out);
    fold(
        &format!("DESCRIPTION:{}", text(event.description)),
        &mut out,
    );
    if let Some(location) = event.location.or(event.url) {
        fold(&format!("LOCATION:{}", text(location)), &mut out);
    }
    if let Some(url) = event.url {
        fold(&format!("URL:{url}"), &mut out);
    }
    fold(
        &format!(
            "ORGANIZER;CN={}:mailto:{}",
            param(event.organizer.name),
            event.organizer.email
        ),
        &mut out,
    );
    let partstat = match method {
        Method::Request => ";PARTSTAT=NEEDS-ACTION;RSVP=TRUE",
        Method::Cancel => "",
    };
    fold(
        &format!(
            "ATTENDEE;CN={};ROLE=REQ-PARTICIPANT{partstat}:mailto:{}",
            param(event.attendee.name),
            event.attendee.email
        ),
        &mut out,
    );
    let status = match method {
        Method::Request => "CONFIRMED",
        Method::Cancel => "CANCELLED",
    };
    fold(&format!("STATUS:{status}"), &mut out);
    fold("TRANSP:OPAQUE", &mut out);
    fold("END:VEVENT", &mut out);
    fold("END:VCALENDAR", &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(starts_at: DateTime<Utc>) -> String {
        calendar(
            Method::Request,
            &Event {
                uid: "training-7@steward.test",
                sequence: 2,
                starts_at,
                ends_at: starts_at + Duration::minutes(90),
                summary: "财务培训: 总账, 凭证; 月结",
                description: "line one\nline two",
                location: Some("会议室 A"),
                url: None,
                organizer: Person {
                    name: "Wang, Fang",
                    email: "wang@vendor.test",
                },
                attendee: Person {
                    name: "李雷",
                    email: "li@customer.test",
                },
                stamp: starts_at,
            },
            chrono_tz::Europe::Berlin,
        )
    }

    fn unfolded(ics: &str) -> Vec<String> {
        ics.replace("\r\n ", "")
            .split("\r\n")
            .map(String::from)
            .collect()
    }

    #[test]
    fn times_are_local_with_a_vtimezone_that_has_the_dst_changes() {
        let start = Utc.with_ymd_and_hms(2027, 3, 30, 8, 0, 0).unwrap();
        let ics = event(start);
        let lines = unfolded(&ics);
        assert!(lines.contains(&"DTSTART;TZID=Europe/Berlin:20270330T100000".to_string()));
        assert!(lines.contains(&"DTEND;TZID=Europe/Berlin:20270330T113000".to_string()));
        // Summer time began on 28 March 2027 at 01:00 UTC (02:00 local).
        let onset = lines
            .iter()
            .position(|l| l == "DTSTART:20270328T020000")
            .unwrap();
        assert_eq!(lines[onset - 1], "BEGIN:DAYLIGHT");
        assert_eq!(lines[onset + 1], "TZOFFSETFROM:+0100");
        assert_eq!(lines[onset + 2], "TZOFFSETTO:+0200");
        assert!(lines.contains(&"SUMMARY:财务培训: 总账\\, 凭证\\; 月结".to_string()));
        assert!(lines.contains(&"DESCRIPTION:line one\\nline two".to_string()));
        assert!(lines.contains(&"ORGANIZER;CN=\"Wang, Fang\":mailto:wang@vendor.test".to_string()));
        assert!(lines.contains(&"SEQUENCE:2".to_string()));
    }

    #[test]
    fn lines_are_folded_at_75_octets_on_character_boundaries() {
        let start = Utc.with_ymd_and_hms(2027, 1, 5, 8, 0, 0).unwrap();
        let mut out = String::new();
        let long = format!("SUMMARY:{}", "培训".repeat(40));
        fold(&long, &mut out);
        for line in out.split("\r\n") {
            assert!(line.len() <= 75, "{line}");
        }
        assert_eq!(out.replace("\r\n ", ""), format!("{long}\r\n"));
        assert!(event(start).ends_with("END:VCALENDAR\r\n"));
    }

    #[test]
    fn offsets_print_with_sign_hours_and_minutes() {
        assert_eq!(offset_text(8 * 3600), "+0800");
        assert_eq!(offset_text(-(3 * 3600 + 30 * 60)), "-0330");
    }
}
