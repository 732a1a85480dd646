//! `remediate history`: the remediation log, searchable, newest first.

use super::args::HistoryArgs;
use super::{Ctx, out_err};
use crate::error::{Error, ExitCode, Result};
use crate::tasklog::HistoryFilter;

pub(super) fn run(ctx: &Ctx, args: HistoryArgs) -> Result<ExitCode> {
    if args.verify {
        return verify(ctx);
    }
    let since = args.since.as_deref().map(parse_since).transpose()?;
    let filter =
        HistoryFilter { user: args.user, action: args.action, status: args.status, since, limit: Some(args.limit) };
    let (headers, warnings) = ctx.log()?.history(&filter)?;
    for w in &warnings {
        ctx.printer.warn(w);
    }
    ctx.printer.history(&headers).map_err(out_err)?;
    if headers.is_empty() {
        ctx.printer.status("no batches match");
    }
    Ok(ExitCode::Success)
}

/// `history --verify`: recompute the hash chain.
fn verify(ctx: &Ctx) -> Result<ExitCode> {
    let v = ctx.log()?.verify()?;
    let doc = serde_json::json!({
        "schema_version": crate::model::SCHEMA_VERSION,
        "ok": v.problems.is_empty(),
        "records": v.records,
        "batches": v.batches,
        "problems": v.problems,
        "unsealed": v.unsealed,
    });
    let mut rows =
        vec![vec!["records".to_string(), v.records.to_string()], vec!["batches".into(), v.batches.to_string()]];
    for p in &v.problems {
        rows.push(vec!["✘ problem".into(), p.clone()]);
    }
    for u in &v.unsealed {
        rows.push(vec![
            "unsealed".into(),
            format!("{u}: interrupted after its last record; `remediate retry {u}` seals it"),
        ]);
    }
    if v.problems.is_empty() {
        rows.push(vec!["✔ chain".into(), "intact".into()]);
    }
    ctx.printer.rows(&["Check", "Result"], &rows, &doc).map_err(out_err)?;
    if let Some(first) = v.problems.first() {
        return Err(Error::TaskLog {
            path: ctx.state_dir.clone(),
            message: format!("the log was tampered with: {first}"),
        });
    }
    Ok(ExitCode::Success)
}

/// A timestamp, a date, or an age (`7d`, `12h`, `30m`) before now.
pub(crate) fn parse_since(s: &str) -> Result<jiff::Timestamp> {
    let s = s.trim();
    if let Ok(t) = s.parse::<jiff::Timestamp>() {
        return Ok(t);
    }
    if let Ok(d) = s.parse::<jiff::civil::Date>()
        && let Ok(z) = d.to_zoned(jiff::tz::TimeZone::UTC)
    {
        return Ok(z.timestamp());
    }
    if let Ok(span) = s.parse::<jiff::Span>()
        && let Ok(z) = jiff::Zoned::now().with_time_zone(jiff::tz::TimeZone::UTC).checked_sub(span)
    {
        return Ok(z.timestamp());
    }
    Err(Error::input(
        format!("`{s}` is not a time"),
        Some(
            "give a timestamp (`2026-11-20T08:00:00Z`), a date (`2026-11-20`) or an age (`7d`, `12h`, `30m`)"
                .to_string(),
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_accepts_timestamps_dates_and_ages() {
        assert_eq!(parse_since("2026-11-20T08:00:00Z").unwrap().to_string(), "2026-11-20T08:00:00Z");
        assert_eq!(parse_since("2026-11-20").unwrap().to_string(), "2026-11-20T00:00:00Z");
        let week = parse_since("7d").unwrap();
        let age = jiff::Timestamp::now().duration_since(week).as_secs();
        assert!((7 * 86400 - 5..=7 * 86400 + 5).contains(&age), "{age}");
        assert!(parse_since("yesterday-ish").is_err());
    }
}
