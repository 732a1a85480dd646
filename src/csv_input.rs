//! Placeholder for the streaming CSV reader (being written on branch `csv`).
use std::path::PathBuf;

use crate::error::{Error, LineError};
use crate::model::Action;

pub enum Input {
    Path(PathBuf),
    Stdin,
}
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Users,
    Bulk,
}
#[derive(Debug, Clone)]
pub struct Row {
    pub line: u64,
    pub action: Option<Action>,
    pub user: String,
    pub tenant: Option<String>,
    pub description: Option<String>,
    pub group: Option<String>,
    pub role: Option<String>,
}

pub fn read(input: &Input, mode: Mode) -> Result<Vec<Row>, Error> {
    let (name, text) = match input {
        Input::Path(p) => (p.display().to_string(), std::fs::read_to_string(p).map_err(|e| Error::io("read", e))?),
        Input::Stdin => ("-".into(), std::io::read_to_string(std::io::stdin()).map_err(|e| Error::io("read", e))?),
    };
    let mut lines = text.lines().enumerate();
    let header: Vec<String> =
        lines.next().map(|(_, h)| h.split(',').map(|s| s.trim().to_lowercase()).collect()).unwrap_or_default();
    let col = |n: &str| header.iter().position(|h| h == n);
    let (u, a, t, g, r) = (col("user"), col("action"), col("tenant"), col("group"), col("role"));
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    for (i, l) in lines {
        if l.trim().is_empty() || l.starts_with('#') {
            continue;
        }
        let f: Vec<&str> = l.split(',').map(str::trim).collect();
        let get = |c: Option<usize>| c.and_then(|c| f.get(c)).filter(|s| !s.is_empty()).map(|s| s.to_string());
        let action = match (mode, get(a)) {
            (Mode::Bulk, Some(a)) => match a.parse() {
                Ok(a) => Some(a),
                Err(e) => {
                    errors.push(LineError { line: i as u64 + 1, reason: e });
                    continue;
                }
            },
            _ => None,
        };
        rows.push(Row {
            line: i as u64 + 1,
            action,
            user: get(u).unwrap_or_default(),
            tenant: get(t),
            description: None,
            group: get(g),
            role: get(r),
        });
    }
    if !errors.is_empty() {
        return Err(Error::InvalidCsv { file: name, errors });
    }
    Ok(rows)
}
