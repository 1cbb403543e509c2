//! RFC 3339 timestamps to seconds since the epoch, for CloudTrail's `eventTime` and
//! the `--since`/`--until` window. Small and exact enough for that: no time-zone
//! database is needed, since both carry a UTC offset (or are dates, taken as UTC).

/// Days from 1970-01-01 to the given civil date (proleptic Gregorian), after
/// Howard Hinnant's `days_from_civil`.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn num(s: &str) -> Option<i64> {
    (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// `YYYY-MM-DD` as days since the epoch.
pub fn parse_date(s: &str) -> Option<i64> {
    let (y, rest) = s.split_once('-')?;
    let (m, d) = rest.split_once('-')?;
    if y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return None;
    }
    let (y, m, d) = (num(y)?, num(m)?, num(d)?);
    if !(1..=12).contains(&m) || d < 1 || d > days_in_month(y, m) {
        return None;
    }
    Some(days_from_civil(y, m, d))
}

/// `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)` as whole seconds since the epoch
/// (a fraction is dropped). `t` and `z` are accepted in lower case, and a space
/// for `T`, as RFC 3339 allows.
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    let date = s.get(..10)?;
    let sep = s.get(10..11)?;
    if !matches!(sep, "T" | "t" | " ") {
        return None;
    }
    let days = parse_date(date)?;
    let rest = s.get(11..)?;
    let (clock, zone) = match rest.find(['Z', 'z', '+', '-']) {
        Some(i) => (rest.get(..i)?, rest.get(i..)?),
        None => return None,
    };
    let clock = clock.split_once('.').map_or(
        clock,
        |(whole, frac)| {
            if num(frac).is_some() {
                whole
            } else {
                ""
            }
        },
    );
    let mut parts = clock.split(':');
    let (h, mi, sec) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || h.len() != 2 || mi.len() != 2 || sec.len() != 2 {
        return None;
    }
    let (h, mi, sec) = (num(h)?, num(mi)?, num(sec)?);
    if h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    let offset = match zone {
        "Z" | "z" => 0,
        _ => {
            let sign = if zone.starts_with('-') { -1 } else { 1 };
            let (oh, om) = zone.get(1..)?.split_once(':')?;
            if oh.len() != 2 || om.len() != 2 {
                return None;
            }
            sign * (num(oh)? * 3600 + num(om)? * 60)
        }
    };
    Some(days * 86_400 + h * 3600 + mi * 60 + sec - offset)
}

/// A `--since`/`--until` bound: an RFC 3339 timestamp, or a date. A date means the
/// start of that day (UTC) for `since`, and its last second for `until`, so
/// `--since 2026-03-01 --until 2026-03-01` is that whole day.
pub fn parse_bound(s: &str, end_of_day: bool) -> Option<i64> {
    match parse_date(s) {
        Some(days) if s.len() == 10 => Some(days * 86_400 + if end_of_day { 86_399 } else { 0 }),
        _ => parse_rfc3339(s),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_cloudtrail_times() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_rfc3339("2026-03-02T10:15:30Z"), Some(1_772_446_530));
        assert_eq!(
            parse_rfc3339("2026-03-02T10:15:30.123Z"),
            Some(1_772_446_530)
        );
        assert_eq!(
            parse_rfc3339("2026-03-02T11:15:30+01:00"),
            Some(1_772_446_530)
        );
        assert_eq!(
            parse_rfc3339("2026-03-02T02:15:30-08:00"),
            Some(1_772_446_530)
        );
        assert_eq!(parse_rfc3339("2024-02-29T00:00:00Z"), Some(1_709_164_800));
    }

    #[test]
    fn rejects_what_is_not_a_timestamp() {
        for bad in [
            "",
            "2026-03-02",
            "2026-03-02T10:15Z",
            "2026-13-02T10:15:30Z",
            "2026-02-30T10:15:30Z",
            "2026-03-02T24:00:00Z",
            "2026-03-02T10:15:30",
            "2026-03-02T10:15:30+0100",
            "yesterday",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }

    #[test]
    fn dates_bound_whole_days() {
        assert_eq!(parse_bound("2026-03-02", false), Some(1_772_409_600));
        assert_eq!(
            parse_bound("2026-03-02", true),
            Some(1_772_409_600 + 86_399)
        );
        assert_eq!(
            parse_bound("2026-03-02T10:15:30Z", true),
            Some(1_772_446_530)
        );
        assert_eq!(parse_bound("03/02/2026", false), None);
    }
}
