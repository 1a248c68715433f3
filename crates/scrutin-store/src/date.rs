//! Calendar dates as the roll and the election use them: `YYYY-MM-DD`, compared as dates,
//! stored as that ISO text. No time zones: an election's dates are the organisation's days.

use std::fmt;

/// A proleptic Gregorian date.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: i32,
    pub month: u32,
    pub day: u32,
}

fn is_leap(y: i32) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i32, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if is_leap(y) => 29,
        _ => 28,
    }
}

impl Date {
    /// Reads `YYYY-MM-DD` exactly (four-digit year, two-digit month and day), checking that
    /// the day exists. The error says what is wrong, for the caller to locate.
    pub fn parse(s: &str) -> Result<Date, String> {
        let b = s.as_bytes();
        let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
        if b.len() != 10
            || b[4] != b'-'
            || b[7] != b'-'
            || !digits(0..4)
            || !digits(5..7)
            || !digits(8..10)
        {
            return Err(format!("{s:?} is not a date in the form YYYY-MM-DD"));
        }
        let year: i32 = s[0..4].parse().map_err(|_| format!("{s:?}: bad year"))?;
        let month: u32 = s[5..7].parse().map_err(|_| format!("{s:?}: bad month"))?;
        let day: u32 = s[8..10].parse().map_err(|_| format!("{s:?}: bad day"))?;
        if !(1..=12).contains(&month) {
            return Err(format!("{s:?}: there is no month {month}"));
        }
        if day == 0 || day > days_in_month(year, month) {
            return Err(format!("{s:?}: there is no day {day} in that month"));
        }
        Ok(Date { year, month, day })
    }

    /// The same day `months` months earlier; the 31st becomes the month's last day where the
    /// month is shorter (2018-03-31 minus 1 month is 2018-02-28).
    pub fn minus_months(self, months: u32) -> Date {
        let total = self.year * 12 + self.month as i32 - 1 - months as i32;
        let year = total.div_euclid(12);
        let month = total.rem_euclid(12) as u32 + 1;
        Date {
            year,
            month,
            day: self.day.min(days_in_month(year, month)),
        }
    }

    /// Age in whole years on `on` of someone born on `self` (a 29 February birthday comes on
    /// 1 March in other years).
    pub fn age_on(self, on: Date) -> i32 {
        let mut age = on.year - self.year;
        if (on.month, on.day) < (self.month, self.day) {
            age -= 1;
        }
        age
    }

    /// The civil date of a count of days since 1970-01-01 (Howard Hinnant's algorithm).
    pub fn from_unix_days(z: i64) -> Date {
        let z = z + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        Date { year, month, day }
    }

    /// Days since 1970-01-01 (the inverse of [`Date::from_unix_days`]).
    pub fn unix_days(self) -> i64 {
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(self.month);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The day `n` days later (earlier for negative `n`).
    pub fn plus_days(self, n: i64) -> Date {
        Date::from_unix_days(self.unix_days() + n)
    }

    /// Today, by the system clock (UTC).
    pub fn today() -> Date {
        Date::from_unix_days(unix_seconds() / 86_400)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

fn unix_seconds() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Now, as ISO 8601 UTC text to the second (`2026-11-30T12:00:00Z`): how the store records
/// when things happened.
pub fn now_iso() -> String {
    let s = unix_seconds();
    let d = Date::from_unix_days(s.div_euclid(86_400));
    let t = s.rem_euclid(86_400);
    format!("{d}T{:02}:{:02}:{:02}Z", t / 3600, t / 60 % 60, t % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_arithmetic_round_trips() {
        for z in [-800_000i64, -1, 0, 1, 17_000, 20_604, 2_932_896] {
            assert_eq!(Date::from_unix_days(z).unix_days(), z);
        }
        assert_eq!(
            Date::parse("2024-02-28").unwrap().plus_days(1).to_string(),
            "2024-02-29"
        );
        assert_eq!(
            Date::parse("2026-03-01").unwrap().plus_days(-1).to_string(),
            "2026-02-28"
        );
        assert_eq!(
            Date::parse("2026-12-31").unwrap().plus_days(1).to_string(),
            "2027-01-01"
        );
    }

    #[test]
    fn parses_and_refuses() {
        assert_eq!(Date::parse("2017-11-19").unwrap().to_string(), "2017-11-19");
        assert!(Date::parse("2017-02-29").is_err());
        assert!(Date::parse("2016-02-29").is_ok());
        assert!(Date::parse("2017-13-01").is_err());
        assert!(Date::parse("19/11/2017").is_err());
        assert!(Date::parse("2017-1-19").is_err());
        assert!(Date::parse("").is_err());
    }

    #[test]
    fn months_and_ages() {
        let d = |s| Date::parse(s).unwrap();
        assert_eq!(d("2017-11-19").minus_months(12), d("2016-11-19"));
        assert_eq!(d("2018-03-31").minus_months(1), d("2018-02-28"));
        assert_eq!(d("2018-01-15").minus_months(1), d("2017-12-15"));
        assert_eq!(d("1991-07-31").age_on(d("2018-07-30")), 26);
        assert_eq!(d("1991-07-31").age_on(d("2018-07-31")), 27);
        assert_eq!(Date::from_unix_days(0), d("1970-01-01"));
        assert_eq!(Date::from_unix_days(17_489), d("2017-11-19"));
    }
}
