//! CSV input: the users of `ACTION --csv FILE` and the action rows of `bulk FILE`.
//!
//! The whole file is read and validated before anything runs: every bad row is collected
//! with its physical line number, and either every row is returned or none is (peers.md
//! §3.6, "the whole file should be validated before making any changes"). It tolerates what
//! spreadsheets and shells produce: a UTF-8 BOM (peers.md §3.8, GAM-team/GAM#710), CRLF or CR
//! line ends, blank and `#` comment lines, quoted fields, padding whitespace, rows of empty
//! cells, and a `;` or tab delimiter. It refuses what it cannot read for sure (no header, a
//! binary or non-UTF-8 file) rather than guess.
//!
//! The input is streamed through a `BufReader` into `csv_core`, the parser under the `csv`
//! crate, driven one physical line at a time. `csv::Reader` is not used because its record
//! positions are wrong after CRLF ends, blank lines and comments (a record's line is where
//! the search for it began), and exact line numbers are the point of the error report.
//! Memory is bounded: the file size and the row count are capped, a single row is capped,
//! and duplicates are found through hashes of the rows already kept, not copies of them.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::fmt;
use std::fs::File;
use std::hash::{BuildHasher, Hash, Hasher, RandomState};
use std::io::{self, BufRead, BufReader, IsTerminal, Read};
use std::path::PathBuf;

use csv_core::ReadRecordResult;

use crate::error::{Error, LineError};
use crate::model::Action;

/// Files above this size are refused before a byte is read (standard input: once this many
/// bytes have come in).
pub const MAX_BYTES: u64 = 256 * 1024 * 1024;
/// Data rows (blank and comment lines excluded) above this count are refused.
pub const MAX_ROWS: u64 = 1_000_000;
/// RFC 5321 §4.5.3.1: a mailbox is at most 64 + 1 + 255 octets.
pub const MAX_USER_CHARS: usize = 320;
/// How many bad rows an `InvalidCsv` error lists; the rest are counted in `omitted`.
pub const MAX_LISTED_ERRORS: usize = 100;
/// A row (or the lines before and at the header) longer than this is not CSV we can use:
/// most often an unclosed quote that swallowed the rest of the file.
const MAX_LINE_BYTES: usize = 1024 * 1024;
/// Fields per row; a row of nothing but delimiters would otherwise grow the field index
/// without bound while its text stays empty.
const MAX_FIELDS: usize = 64 * 1024;

/// The column names accepted for the user, as shown to the operator. They are matched
/// case-insensitively and ignoring spaces, `_`, `-` and `.`, so `User Principal Name`,
/// `user_principal_name` and `E-mail` match too. `primaryEmail` is GAM's column and
/// `emailAddress` Google Admin's export.
pub const USER_HEADERS: [&str; 10] = [
    "user",
    "upn",
    "email",
    "mail",
    "login",
    "userPrincipalName",
    "account_user_email",
    "username",
    "primaryEmail",
    "emailAddress",
];
const DESCRIPTION_HEADERS: [&str; 3] = ["description", "reason", "ticket"];

/// Where the CSV comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    Path(PathBuf),
    Stdin,
}

impl Input {
    /// The command-line spelling: `-` means standard input.
    pub fn from_arg(arg: impl Into<PathBuf>) -> Input {
        let path = arg.into();
        if path.as_os_str() == "-" { Input::Stdin } else { Input::Path(path) }
    }

    /// How error messages name the input.
    pub fn name(&self) -> String {
        match self {
            Input::Path(path) => path.display().to_string(),
            Input::Stdin => "<stdin>".into(),
        }
    }
}

/// What the file feeds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `ACTION --csv FILE`: the action comes from the command line; an `action` column is an error.
    Users,
    /// `bulk FILE`: every row names its action.
    Bulk,
}

/// One usable row. `line` is the physical line (1-based, the header is usually line 1) where
/// the row starts. Empty optional cells are `None`; every value is trimmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub line: u64,
    pub action: Option<Action>,
    pub user: String,
    pub tenant: Option<String>,
    pub description: Option<String>,
    pub group: Option<String>,
    pub role: Option<String>,
}

/// A whole file, validated: its rows in file order, and how many duplicate rows (same action,
/// user ignoring case, tenant, group and role) were dropped in favour of the first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parsed {
    pub rows: Vec<Row>,
    pub duplicates: u64,
}

/// Size limits; [`Limits::default`] is what the CLI uses. Tests lower them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub max_bytes: u64,
    pub max_rows: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_bytes: MAX_BYTES, max_rows: MAX_ROWS }
    }
}

/// Read and validate the whole input. Nothing is returned unless every row is valid.
/// Duplicate rows are dropped silently; [`read_parsed`] also says how many there were.
pub fn read(input: &Input, mode: Mode) -> Result<Vec<Row>, Error> {
    read_parsed(input, mode).map(|parsed| parsed.rows)
}

/// [`read`], with the count of duplicate rows dropped (for a `collapsed N duplicate rows` note).
pub fn read_parsed(input: &Input, mode: Mode) -> Result<Parsed, Error> {
    read_with_limits(input, mode, Limits::default())
}

pub fn read_with_limits(input: &Input, mode: Mode, limits: Limits) -> Result<Parsed, Error> {
    let name = input.name();
    match input {
        Input::Stdin => {
            let stdin = io::stdin();
            // Reading a CSV from a terminal would wait for typing that never comes.
            if stdin.is_terminal() {
                return Err(Error::input(
                    "standard input is a terminal, not a CSV file",
                    Some("pipe the CSV in (`remediate disable --csv - < users.csv`) or give its path".to_string()),
                ));
            }
            read_from(stdin.lock(), &name, mode, limits)
        }
        Input::Path(path) => {
            let meta = std::fs::metadata(path).map_err(|e| open_error(&name, e))?;
            if meta.is_dir() {
                return Err(Error::input(format!("`{name}` is a directory, not a CSV file"), None));
            }
            // Checked before opening, so that a huge file is refused without being read.
            // Pipes and other special files report no useful length; the byte count while
            // reading catches those.
            if meta.is_file() && meta.len() > limits.max_bytes {
                return Err(too_large(&name, limits.max_bytes, Some(meta.len())));
            }
            let file = File::open(path).map_err(|e| open_error(&name, e))?;
            read_from(file, &name, mode, limits)
        }
    }
}

/// Read and validate CSV from any byte source (standard input, a file, a test buffer).
/// `name` is how messages name the input.
pub fn read_from(source: impl Read, name: &str, mode: Mode, limits: Limits) -> Result<Parsed, Error> {
    let mut src = BufReader::with_capacity(64 * 1024, Limited { inner: source, count: 0, limit: limits.max_bytes });
    let fail = |e: io::Error| read_error(name, limits.max_bytes, e);

    // Find the header: the first line that is neither blank nor a comment. Its delimiter is
    // sniffed before the parser is built, then the line is handed to the parser like any other.
    let mut line_no = 0;
    let mut saw_anything = false;
    let header_line = loop {
        let mut raw = Vec::new();
        let terminated = read_physical_line(&mut src, &mut raw).map_err(fail)?;
        if raw.is_empty() && !terminated {
            return Err(if saw_anything {
                Error::input(format!("`{name}` has no header line, only blank or comment lines"), empty_hint(mode))
            } else {
                Error::input(format!("`{name}` is empty"), empty_hint(mode))
            });
        }
        line_no += 1;
        if line_no == 1 {
            check_magic(name, &raw)?;
            if raw.starts_with(UTF8_BOM) {
                raw.drain(..UTF8_BOM.len());
            }
        }
        let content = raw.strip_suffix(b"\n").unwrap_or(&raw);
        let content = content.strip_suffix(b"\r").unwrap_or(content);
        if content.len() > MAX_LINE_BYTES {
            return Err(Error::input(
                format!("line {line_no} of `{name}` is longer than 1 MiB; this does not look like a CSV file"),
                Some("give a CSV text file with a header line and one row per line".to_string()),
            ));
        }
        saw_anything |= !raw.is_empty();
        if !is_blank_or_comment(&raw) {
            break raw;
        }
    };
    let delimiter = sniff_delimiter(&header_line);

    let source = io::Cursor::new(header_line).chain(src);
    let mut records = Records::new(source, delimiter, line_no);
    let mut columns: Option<Columns> = None;
    let mut out = Collector::new();
    let mut rows_seen: u64 = 0;
    while let Some(line) = records.next_record().map_err(|e| match e {
        RecordError::Io(e) => fail(e),
        RecordError::TooLong(line) => Error::input(
            format!("the row at line {line} of `{name}` is longer than 1 MiB"),
            Some("look for a `\"` that opens a quoted field and is never closed".to_string()),
        ),
        RecordError::TooManyFields(line) => Error::input(
            format!("the row at line {line} of `{name}` has more than {MAX_FIELDS} fields"),
            Some("give a CSV file with one row per user and a handful of columns".to_string()),
        ),
    })? {
        let fields = decode(name, line, records.fields())?;
        if fields.iter().all(|f| f.is_empty()) || fields.first().is_some_and(|f| f.starts_with('#')) {
            // Rows of empty cells (spreadsheets write them) and indented comments.
            continue;
        }
        let Some(columns) = &columns else {
            columns = Some(Columns::from_header(name, &fields, mode)?);
            continue;
        };
        rows_seen += 1;
        if rows_seen > limits.max_rows {
            return Err(Error::input(format!("`{name}` has more than {} rows", limits.max_rows), Some(split_hint())));
        }
        match columns.row(line, &fields, mode) {
            Ok(row) => out.push(row),
            Err(reason) => out.reject(line, reason),
        }
    }
    if columns.is_none() || rows_seen == 0 {
        return Err(Error::input(format!("`{name}` has a header line but no rows"), empty_hint(mode)));
    }
    out.finish(name)
}

// ---------------------------------------------------------------------------------------
// Header

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    User,
    Action,
    Tenant,
    Description,
    Group,
    Role,
}

impl Field {
    const ALL: [Field; 6] = [Field::User, Field::Action, Field::Tenant, Field::Description, Field::Group, Field::Role];

    /// The name `--help`, messages and hints use; a column so named wins over its aliases.
    fn canonical(self) -> &'static str {
        match self {
            Field::User => "user",
            Field::Action => "action",
            Field::Tenant => "tenant",
            Field::Description => "description",
            Field::Group => "group",
            Field::Role => "role",
        }
    }

    fn of_header(normalized: &str) -> Option<Field> {
        let is = |names: &[&str]| names.iter().any(|n| normalize_header(n) == normalized);
        if is(&USER_HEADERS) {
            Some(Field::User)
        } else if is(&DESCRIPTION_HEADERS) {
            Some(Field::Description)
        } else {
            Field::ALL.into_iter().find(|f| f.canonical() == normalized)
        }
    }
}

/// Header names compare lower-case, without spaces, `_`, `-`, `.` or a stray BOM.
fn normalize_header(name: &str) -> String {
    name.chars().filter(|c| !matches!(c, ' ' | '_' | '-' | '.' | '\u{feff}')).flat_map(char::to_lowercase).collect()
}

/// Which column holds what.
#[derive(Debug)]
struct Columns {
    width: usize,
    user: usize,
    action: Option<usize>,
    tenant: Option<usize>,
    description: Option<usize>,
    group: Option<usize>,
    role: Option<usize>,
}

impl Columns {
    fn from_header(name: &str, header: &[&str], mode: Mode) -> Result<Columns, Error> {
        let mut found: Vec<(Field, usize)> = Vec::new();
        for (i, cell) in header.iter().enumerate() {
            let Some(field) = Field::of_header(&normalize_header(cell)) else { continue };
            found.push((field, i));
        }
        let pick = |field: Field| -> Result<Option<usize>, Error> {
            let all: Vec<usize> = found.iter().filter(|(f, _)| *f == field).map(|(_, i)| *i).collect();
            let canonical: Vec<usize> =
                all.iter().copied().filter(|&i| normalize_header(header[i]) == field.canonical()).collect();
            match (all.as_slice(), canonical.as_slice()) {
                ([], _) => Ok(None),
                ([only], _) | (_, [only]) => Ok(Some(*only)),
                _ => {
                    let listed = all.iter().map(|&i| format!("`{}`", header[i])).collect::<Vec<_>>().join(", ");
                    Err(Error::input(
                        format!("`{name}` has more than one {} column: {listed}", field.canonical()),
                        Some(format!(
                            "rename the column to use to `{}` (the others are then ignored), or delete the others",
                            field.canonical()
                        )),
                    ))
                }
            }
        };
        let Some(user) = pick(Field::User)? else {
            return Err(no_user_column(name, header, mode));
        };
        let action = pick(Field::Action)?;
        match (mode, action) {
            (Mode::Users, Some(_)) => {
                return Err(Error::input(
                    format!("`{name}` has an `action` column, but an action command's `--csv` takes only users"),
                    Some(format!(
                        "to run the action each row names, use `remediate bulk {name}`; otherwise delete the `action` column"
                    )),
                ));
            }
            (Mode::Bulk, None) => {
                return Err(Error::input(
                    format!("`{name}` has no `action` column, which `bulk` needs"),
                    Some(format!(
                        "add an `action` column ({}), or give the users to one action with `remediate ACTION --csv {name}`",
                        action_names()
                    )),
                ));
            }
            _ => {}
        }
        Ok(Columns {
            width: header.len(),
            user,
            action,
            tenant: pick(Field::Tenant)?,
            description: pick(Field::Description)?,
            group: pick(Field::Group)?,
            role: pick(Field::Role)?,
        })
    }

    /// The row, or every reason it cannot be used (joined with `; `).
    fn row(&self, line: u64, fields: &[&str], mode: Mode) -> Result<Row, String> {
        if fields.len() != self.width {
            let n = fields.len();
            return Err(format!(
                "{n} field{}, but the header has {}{}",
                if n == 1 { "" } else { "s" },
                self.width,
                if n > self.width { " (an unquoted delimiter inside a value?)" } else { "" }
            ));
        }
        let mut problems = Vec::new();
        let optional = |column: Option<usize>, label: &str, problems: &mut Vec<String>| {
            let value = column.map(|i| fields[i]).filter(|v| !v.is_empty())?;
            if let Some(problem) = bad_char(label, value) {
                problems.push(problem);
            }
            Some(value.to_string())
        };

        let user = fields[self.user];
        if user.is_empty() {
            problems.push("empty user".to_string());
        } else if let Some(problem) = bad_char("user", user) {
            problems.push(problem);
        } else if user.chars().count() > MAX_USER_CHARS {
            problems
                .push(format!("the user is {} characters long; the limit is {MAX_USER_CHARS}", user.chars().count()));
        }

        let action = match (mode, self.action) {
            (Mode::Bulk, Some(i)) => match parse_action(fields[i]) {
                Ok(action) => Some(action),
                Err(problem) => {
                    problems.push(problem);
                    None
                }
            },
            _ => None,
        };
        let tenant = optional(self.tenant, "tenant", &mut problems);
        let description = optional(self.description, "description", &mut problems);
        let group = optional(self.group, "group", &mut problems);
        let role = optional(self.role, "role", &mut problems);

        // A group or role on a row whose action ignores it is most likely a mistake (the
        // operator meant `remove-groups`); acting more broadly than written is the wrong guess.
        if let Some(action) = action {
            if group.is_some() && action != Action::RemoveGroups {
                problems.push(format!("`group` applies only to `remove-groups`, not `{action}`"));
            }
            if role.is_some() && action != Action::RemoveRoles {
                problems.push(format!("`role` applies only to `remove-roles`, not `{action}`"));
            }
        }

        if !problems.is_empty() {
            return Err(problems.join("; "));
        }
        Ok(Row { line, action, user: user.to_string(), tenant, description, group, role })
    }
}

fn no_user_column(name: &str, header: &[&str], mode: Mode) -> Error {
    let looks_like_data = header.iter().any(|cell| cell.contains('@') || parse_action(cell).is_ok());
    if looks_like_data {
        let first = header.join(",");
        return Error::input(
            format!("`{name}` has no header line: its first line `{first}` looks like data"),
            Some(match mode {
                Mode::Users => "add a first line `user` (the name of the column of users)".to_string(),
                Mode::Bulk => "add a first line naming the columns, e.g. `action,user`".to_string(),
            }),
        );
    }
    let columns = header.iter().filter(|c| !c.is_empty()).map(|c| format!("`{c}`")).collect::<Vec<_>>();
    let columns = if columns.is_empty() { "none".to_string() } else { columns.join(", ") };
    Error::input(
        format!("`{name}` has no user column (its columns: {columns}); accepted names: {}", USER_HEADERS.join(", ")),
        Some("rename the column that holds the users to `user`".to_string()),
    )
}

fn parse_action(cell: &str) -> Result<Action, String> {
    if cell.is_empty() {
        return Err("empty action".to_string());
    }
    let normalized = cell.to_lowercase().replace(['_', ' '], "-");
    Action::USER_FACING
        .into_iter()
        .find(|a| a.as_str() == normalized)
        .ok_or_else(|| format!("unknown action `{cell}`; valid actions: {}", action_names()))
}

fn action_names() -> String {
    Action::USER_FACING.iter().map(|a| a.as_str()).collect::<Vec<_>>().join(", ")
}

/// A control character, or an invisible one that makes two values look equal when they are
/// not (zero-width spaces and joiners, bidi overrides, a BOM, a soft hyphen).
fn bad_char(label: &str, value: &str) -> Option<String> {
    let c = value.chars().find(|&c| {
        c.is_control()
            || matches!(c, '\u{00ad}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2064}')
            || matches!(c, '\u{2066}'..='\u{2069}' | '\u{feff}')
    })?;
    Some(match c {
        '\n' | '\r' => format!("`{label}` contains a line break (a `\"` that is never closed?)"),
        c if c.is_control() => format!("`{label}` contains a control character (U+{:04X})", c as u32),
        c => format!("`{label}` contains an invisible character (U+{:04X})", c as u32),
    })
}

// ---------------------------------------------------------------------------------------
// Rows kept, duplicates, errors

struct Collector {
    rows: Vec<Row>,
    /// Hash of a row's identity → index of the newest kept row with that hash; `next` chains
    /// the older ones. Duplicates are found without a second copy of every user name.
    heads: HashMap<u64, usize>,
    next: Vec<usize>,
    hasher: RandomState,
    duplicates: u64,
    errors: Vec<LineError>,
    omitted: u64,
}

const NO_ROW: usize = usize::MAX;

impl Collector {
    fn new() -> Collector {
        Collector {
            rows: Vec::new(),
            heads: HashMap::new(),
            next: Vec::new(),
            hasher: RandomState::new(),
            duplicates: 0,
            errors: Vec::new(),
            omitted: 0,
        }
    }

    fn push(&mut self, row: Row) {
        if !self.errors.is_empty() {
            // The file will be refused: keep only the error report.
            return;
        }
        let hash = self.identity_hash(&row);
        let index = self.rows.len();
        match self.heads.entry(hash) {
            Entry::Vacant(slot) => {
                slot.insert(index);
                self.next.push(NO_ROW);
            }
            Entry::Occupied(mut slot) => {
                let mut at = *slot.get();
                while at != NO_ROW {
                    if same_identity(&self.rows[at], &row) {
                        self.duplicates += 1;
                        return;
                    }
                    at = self.next[at];
                }
                self.next.push(*slot.get());
                slot.insert(index);
            }
        }
        self.rows.push(row);
    }

    fn reject(&mut self, line: u64, reason: String) {
        if self.errors.is_empty() {
            self.rows = Vec::new();
            self.heads = HashMap::new();
            self.next = Vec::new();
        }
        if self.errors.len() < MAX_LISTED_ERRORS {
            self.errors.push(LineError { line, reason });
        } else {
            self.omitted += 1;
        }
    }

    fn identity_hash(&self, row: &Row) -> u64 {
        let mut h = self.hasher.build_hasher();
        row.action.hash(&mut h);
        for c in row.user.chars().flat_map(char::to_lowercase) {
            h.write_u32(c as u32);
        }
        (&row.tenant, &row.group, &row.role).hash(&mut h);
        h.finish()
    }

    fn finish(self, name: &str) -> Result<Parsed, Error> {
        if self.errors.is_empty() {
            Ok(Parsed { rows: self.rows, duplicates: self.duplicates })
        } else {
            Err(Error::InvalidCsv { file: name.to_string(), errors: self.errors, omitted: self.omitted })
        }
    }
}

fn same_identity(a: &Row, b: &Row) -> bool {
    a.action == b.action
        && a.user.chars().flat_map(char::to_lowercase).eq(b.user.chars().flat_map(char::to_lowercase))
        && a.tenant == b.tenant
        && a.group == b.group
        && a.role == b.role
}

// ---------------------------------------------------------------------------------------
// Bytes, lines and records

const UTF8_BOM: &[u8] = b"\xef\xbb\xbf";

/// Refuse, with a precise hint, the files people most often pass by mistake.
fn check_magic(name: &str, first: &[u8]) -> Result<(), Error> {
    let save_as = "save it from the spreadsheet as \"CSV UTF-8 (Comma delimited)\"".to_string();
    if first.starts_with(b"\xff\xfe") || first.starts_with(b"\xfe\xff") {
        return Err(Error::input(
            format!("`{name}` is UTF-16 text (Excel's \"Unicode Text\"), not UTF-8"),
            Some(format!("{save_as}, or convert it: `iconv -f UTF-16 -t UTF-8 {name} > users.csv`")),
        ));
    }
    if first.starts_with(b"PK\x03\x04") || first.starts_with(b"\xd0\xcf\x11\xe0") {
        return Err(Error::input(format!("`{name}` is a spreadsheet workbook, not a CSV file"), Some(save_as)));
    }
    Ok(())
}

fn is_blank_or_comment(line: &[u8]) -> bool {
    let content = line.trim_ascii_start();
    content.starts_with(b"#") || content.iter().all(|b| b.is_ascii_whitespace() || matches!(b, b',' | b';'))
}

/// The delimiter is a comma unless the header has none, then `;` (Excel in locales with a
/// decimal comma) or a tab, whichever the header has more of.
fn sniff_delimiter(header: &[u8]) -> u8 {
    let count = |d: u8| header.iter().filter(|&&b| b == d).count();
    match (count(b','), count(b';'), count(b'\t')) {
        (0, semi, tab) if semi > 0 && semi >= tab => b';',
        (0, _, tab) if tab > 0 => b'\t',
        _ => b',',
    }
}

/// Read one physical line (ended by LF, CRLF or CR) into `out`, terminator included, at most
/// `MAX_LINE_BYTES + 1` bytes of it. Returns whether a terminator was found.
fn read_physical_line(src: &mut impl BufRead, out: &mut Vec<u8>) -> io::Result<bool> {
    loop {
        let buf = match src.fill_buf() {
            Ok(buf) => buf,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if buf.is_empty() {
            return Ok(false);
        }
        if out.last() == Some(&b'\r') {
            // The CR ended the line; take its LF too, if it is one.
            if buf[0] == b'\n' {
                out.push(b'\n');
                src.consume(1);
            }
            return Ok(true);
        }
        let room = (MAX_LINE_BYTES + 1).saturating_sub(out.len());
        if room == 0 {
            return Ok(false);
        }
        match buf.iter().take(room).position(|&b| b == b'\n' || b == b'\r') {
            Some(i) => {
                let end = buf[i];
                out.extend_from_slice(&buf[..=i]);
                src.consume(i + 1);
                if end == b'\n' {
                    return Ok(true);
                }
            }
            None => {
                let n = buf.len().min(room);
                out.extend_from_slice(&buf[..n]);
                src.consume(n);
            }
        }
    }
}

enum RecordError {
    Io(io::Error),
    TooLong(u64),
    TooManyFields(u64),
}

/// CSV records with the physical line each starts on. The parser is fed at most one line at
/// a time, so the line of every byte it consumes is known.
struct Records<R> {
    src: R,
    core: csv_core::Reader,
    /// Physical line of the next byte to feed.
    line: u64,
    /// The last byte fed was a CR: an LF right after it ends no further line.
    after_cr: bool,
    out: Vec<u8>,
    ends: Vec<usize>,
    out_len: usize,
    ends_len: usize,
    done: bool,
}

impl<R: BufRead> Records<R> {
    fn new(src: R, delimiter: u8, first_line: u64) -> Self {
        let core = csv_core::ReaderBuilder::new().delimiter(delimiter).comment(Some(b'#')).build();
        Records {
            src,
            core,
            line: first_line,
            after_cr: false,
            out: vec![0; 1024],
            ends: vec![0; 16],
            out_len: 0,
            ends_len: 0,
            done: false,
        }
    }

    /// The raw fields of the record last returned by `next_record`.
    fn fields(&self) -> impl Iterator<Item = &[u8]> {
        let ends = &self.ends[..self.ends_len];
        ends.iter().scan(0, |start, &end| {
            let field = &self.out[*start..end];
            *start = end;
            Some(field)
        })
    }

    /// The next record's starting line, or `None` at the end of the input.
    fn next_record(&mut self) -> Result<Option<u64>, RecordError> {
        self.out_len = 0;
        self.ends_len = 0;
        let mut start = None;
        while !self.done {
            let buf = match self.src.fill_buf() {
                Ok(buf) => buf,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(RecordError::Io(e)),
            };
            let input = match buf.iter().position(|&b| b == b'\n' || b == b'\r') {
                Some(i) => &buf[..=i],
                None => buf,
            };
            let at_eof = input.is_empty();
            let line = self.line;
            let (result, n_in, n_out, n_ends) =
                self.core.read_record(input, &mut self.out[self.out_len..], &mut self.ends[self.ends_len..]);
            if n_in > 0 {
                match input[n_in - 1] {
                    b'\r' => self.line += 1,
                    b'\n' if !(n_in == 1 && self.after_cr) => self.line += 1,
                    _ => {}
                }
                self.after_cr = input[n_in - 1] == b'\r';
            }
            self.src.consume(n_in);
            self.out_len += n_out;
            self.ends_len += n_ends;
            if start.is_none() && (n_out > 0 || n_ends > 0 || result == ReadRecordResult::Record) {
                start = Some(line);
            }
            match result {
                ReadRecordResult::InputEmpty if at_eof => self.done = true,
                ReadRecordResult::InputEmpty => {}
                ReadRecordResult::OutputFull => {
                    if self.out.len() >= MAX_LINE_BYTES {
                        return Err(RecordError::TooLong(start.unwrap_or(line)));
                    }
                    self.out.resize(self.out.len() * 2, 0);
                }
                ReadRecordResult::OutputEndsFull => {
                    if self.ends.len() >= MAX_FIELDS {
                        return Err(RecordError::TooManyFields(start.unwrap_or(line)));
                    }
                    self.ends.resize(self.ends.len() * 2, 0);
                }
                ReadRecordResult::Record => return Ok(Some(start.unwrap_or(line))),
                ReadRecordResult::End => self.done = true,
            }
        }
        Ok(None)
    }
}

/// Trimmed UTF-8 fields; a NUL byte or invalid UTF-8 refuses the whole file.
fn decode<'a>(name: &str, line: u64, fields: impl Iterator<Item = &'a [u8]>) -> Result<Vec<&'a str>, Error> {
    fields
        .map(|raw| {
            if raw.contains(&0) {
                return Err(Error::input(
                    format!("`{name}` is not a text file: NUL byte on line {line}"),
                    Some("give a CSV text file; save spreadsheets as \"CSV UTF-8 (Comma delimited)\"".to_string()),
                ));
            }
            std::str::from_utf8(raw).map(str::trim).map_err(|_| {
                Error::input(
                    format!("`{name}` is not UTF-8 text: invalid byte sequence on line {line}"),
                    Some(format!(
                        "save it as \"CSV UTF-8 (Comma delimited)\", or convert it: `iconv -f WINDOWS-1252 -t UTF-8 {name} > users.csv`"
                    )),
                )
            })
        })
        .collect()
}

/// Counts the bytes read and fails once there are more than the limit.
struct Limited<R> {
    inner: R,
    count: u64,
    limit: u64,
}

#[derive(Debug)]
struct TooLarge;

impl fmt::Display for TooLarge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("input over the size limit")
    }
}

impl std::error::Error for TooLarge {}

impl<R: Read> Read for Limited<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.count > self.limit {
            return Err(io::Error::other(TooLarge));
        }
        let n = self.inner.read(buf)?;
        self.count += n as u64;
        if self.count > self.limit {
            return Err(io::Error::other(TooLarge));
        }
        Ok(n)
    }
}

// ---------------------------------------------------------------------------------------
// Messages

fn empty_hint(mode: Mode) -> Option<String> {
    Some(match mode {
        Mode::Users => "give a header line `user`, then one user per line".to_string(),
        Mode::Bulk => "give a header line `action,user`, then one action and user per line".to_string(),
    })
}

fn split_hint() -> String {
    "split it into smaller files, each with the header line, and run them one after the other".to_string()
}

fn too_large(name: &str, limit: u64, size: Option<u64>) -> Error {
    let size = size.map(|s| format!(" ({})", human_bytes(s))).unwrap_or_default();
    Error::input(format!("`{name}` is larger than {}{size}", human_bytes(limit)), Some(split_hint()))
}

fn human_bytes(n: u64) -> String {
    const MIB: u64 = 1024 * 1024;
    if n >= MIB && n.is_multiple_of(MIB) { format!("{} MiB", n / MIB) } else { format!("{n} bytes") }
}

fn read_error(name: &str, limit: u64, e: io::Error) -> Error {
    if e.get_ref().is_some_and(|inner| inner.is::<TooLarge>()) {
        too_large(name, limit, None)
    } else {
        Error::io(format!("cannot read `{name}`"), e)
    }
}

fn open_error(name: &str, e: io::Error) -> Error {
    match e.kind() {
        io::ErrorKind::NotFound => Error::input(
            format!("cannot open `{name}`: no such file"),
            Some("check the path; `-` reads the CSV from standard input".to_string()),
        ),
        io::ErrorKind::PermissionDenied => Error::input(
            format!("cannot open `{name}`: permission denied"),
            Some("make the file readable by this user".to_string()),
        ),
        _ => Error::io(format!("cannot open `{name}`"), e),
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write as _;

    use super::*;

    fn parse(text: impl AsRef<[u8]>, mode: Mode) -> Result<Parsed, Error> {
        read_from(text.as_ref(), "t.csv", mode, Limits::default())
    }

    fn rows(text: impl AsRef<[u8]>, mode: Mode) -> Vec<Row> {
        match parse(text, mode) {
            Ok(parsed) => parsed.rows,
            Err(e) => panic!("expected rows, got: {e} ({:?}) {:?}", e.hint(), e.details()),
        }
    }

    fn users(text: &str) -> Vec<String> {
        rows(text, Mode::Users).into_iter().map(|r| r.user).collect()
    }

    fn lines(rows: &[Row]) -> Vec<u64> {
        rows.iter().map(|r| r.line).collect()
    }

    /// The bad rows of an `InvalidCsv` error, as (line, reason).
    fn invalid(text: impl AsRef<[u8]>, mode: Mode) -> Vec<(u64, String)> {
        match parse(text, mode) {
            Err(Error::InvalidCsv { file, errors, omitted }) => {
                assert_eq!(file, "t.csv");
                assert_eq!(omitted, 0);
                errors.into_iter().map(|e| (e.line, e.reason)).collect()
            }
            other => panic!("expected InvalidCsv, got {other:?}"),
        }
    }

    /// The message and hint of an `InvalidInput` error.
    fn refused(text: impl AsRef<[u8]>, mode: Mode) -> (String, String) {
        input_error(parse(text, mode))
    }

    fn input_error(result: Result<Parsed, Error>) -> (String, String) {
        match result {
            Err(e @ Error::InvalidInput { .. }) => (e.to_string(), e.hint().unwrap_or_default()),
            other => panic!("expected InvalidInput, got {other:?}"),
        }
    }

    #[test]
    fn reads_users_with_their_physical_lines() {
        let got = rows("user\nalice@demo.test\nbob@demo.test\n", Mode::Users);
        assert_eq!(got.iter().map(|r| r.user.as_str()).collect::<Vec<_>>(), ["alice@demo.test", "bob@demo.test"]);
        assert_eq!(lines(&got), [2, 3]);
        assert!(got.iter().all(|r| r.action.is_none() && r.tenant.is_none() && r.description.is_none()));
    }

    #[test]
    fn every_user_header_alias_is_accepted_whatever_its_case_and_separators() {
        let spellings = USER_HEADERS
            .iter()
            .map(|h| h.to_string())
            .chain(USER_HEADERS.iter().map(|h| h.to_uppercase()))
            .chain(["User Principal Name", " UPN ", "E-Mail", "Account User Email", "user_name"].map(String::from));
        for header in spellings {
            let text = format!("id,{header},other\n7,alice@demo.test,x\n");
            assert_eq!(users(&text), ["alice@demo.test"], "header `{header}`");
        }
    }

    #[test]
    fn reads_the_optional_columns_and_the_description_aliases() {
        for alias in ["description", "Reason", "TICKET"] {
            let text =
                format!("user,tenant,{alias},group,role\nalice@demo.test,demo,INC-4711,sales,Global Administrator\n");
            let got = rows(&text, Mode::Users);
            assert_eq!(got[0].tenant.as_deref(), Some("demo"));
            assert_eq!(got[0].description.as_deref(), Some("INC-4711"), "alias `{alias}`");
            assert_eq!(got[0].group.as_deref(), Some("sales"));
            assert_eq!(got[0].role.as_deref(), Some("Global Administrator"));
        }
        let got = rows("user,tenant,description\nalice@demo.test,,\n", Mode::Users);
        assert_eq!((got[0].tenant.as_deref(), got[0].description.as_deref()), (None, None));
    }

    #[test]
    fn a_utf8_bom_does_not_hide_the_first_header() {
        assert_eq!(users("\u{feff}user\nalice@demo.test\n"), ["alice@demo.test"]);
        assert_eq!(users("\u{feff}# exported\r\nUser\r\nalice@demo.test\r\n"), ["alice@demo.test"]);
    }

    #[test]
    fn line_numbers_are_physical_lines_with_crlf_cr_blank_and_comment_lines() {
        let text =
            "# INC-4711\n\nuser,description\n\nalice@demo.test,x\n   # indented comment\n,\n ,, \nbob@demo.test,y\n";
        let got = rows(text, Mode::Users);
        assert_eq!(got.iter().map(|r| r.user.as_str()).collect::<Vec<_>>(), ["alice@demo.test", "bob@demo.test"]);
        assert_eq!(lines(&got), [5, 9]);

        let crlf = "user\r\n\r\nalice@demo.test\r\n# note\r\nbob@demo.test\r\n";
        assert_eq!(lines(&rows(crlf, Mode::Users)), [3, 5]);
        let cr = "user\r\ralice@demo.test\rbob@demo.test";
        assert_eq!(lines(&rows(cr, Mode::Users)), [3, 4]);
        // An invalid row after a quoted value spanning lines is reported at its own line.
        let spanning = "user,description\nalice@demo.test,\"INC-1\r\nsecond line\"\n,x\n";
        let errors = invalid(spanning, Mode::Users);
        assert_eq!(errors.iter().map(|e| e.0).collect::<Vec<_>>(), [2, 4]);
        assert!(errors[0].1.contains("line break"), "{errors:?}");
        assert_eq!(errors[1].1, "empty user");
    }

    #[test]
    fn quoted_fields_keep_delimiters_and_doubled_quotes() {
        let got = rows("user,description\n\"alice@demo.test\",\"INC-1, \"\"phish\"\" wave\"\n", Mode::Users);
        assert_eq!(got[0].user, "alice@demo.test");
        assert_eq!(got[0].description.as_deref(), Some("INC-1, \"phish\" wave"));
    }

    #[test]
    fn surrounding_whitespace_is_trimmed_from_headers_and_values() {
        let got = rows("  user , tenant \n  alice@demo.test\u{a0} ,\tdemo  \n", Mode::Users);
        assert_eq!(got[0].user, "alice@demo.test");
        assert_eq!(got[0].tenant.as_deref(), Some("demo"));
    }

    #[test]
    fn semicolon_and_tab_delimiters_are_sniffed_from_a_header_without_commas() {
        let got = rows("user;description\nalice@demo.test;INC-1, wave 2\n", Mode::Users);
        assert_eq!(got[0].description.as_deref(), Some("INC-1, wave 2"));
        let got = rows("action\tuser\tdescription\ndisable\talice@demo.test\tINC-1; wave 2\n", Mode::Bulk);
        assert_eq!((got[0].action, got[0].description.as_deref()), (Some(Action::Disable), Some("INC-1; wave 2")));
        // A header with a comma is comma-separated even if it also has a semicolon.
        let got = rows("user,ticket;ref,description\nalice@demo.test,x,a;b\n", Mode::Users);
        assert_eq!(got[0].description.as_deref(), Some("a;b"));
    }

    #[test]
    fn unknown_columns_are_ignored() {
        let got = rows("id,User,department,tenant\n17,alice@demo.test,Sales,demo\n", Mode::Users);
        assert_eq!((got[0].user.as_str(), got[0].tenant.as_deref()), ("alice@demo.test", Some("demo")));
    }

    #[test]
    fn a_file_without_a_user_column_names_the_accepted_headers() {
        let (message, hint) = refused("name,department\nAlice,Sales\n", Mode::Users);
        assert!(message.contains("no user column"), "{message}");
        assert!(message.contains("`name`, `department`"), "{message}");
        for accepted in USER_HEADERS {
            assert!(message.contains(accepted), "{accepted} missing from {message}");
        }
        assert!(hint.contains("`user`"), "{hint}");
    }

    #[test]
    fn a_headerless_list_of_addresses_is_not_guessed() {
        let (message, hint) = refused("alice@demo.test\nbob@demo.test\n", Mode::Users);
        assert!(message.contains("no header line") && message.contains("alice@demo.test"), "{message}");
        assert!(hint.contains("`user`"), "{hint}");
        let (message, hint) = refused("disable,alice@demo.test\n", Mode::Bulk);
        assert!(message.contains("no header line"), "{message}");
        assert!(hint.contains("`action,user`"), "{hint}");
    }

    #[test]
    fn several_user_columns_are_refused_unless_one_is_named_user() {
        let (message, hint) = refused("userPrincipalName,mail\nalice@demo.test,a.adams@demo.test\n", Mode::Users);
        assert!(message.contains("`userPrincipalName`, `mail`"), "{message}");
        assert!(hint.contains("`user`"), "{hint}");
        assert_eq!(users("mail,User\na.adams@demo.test,alice@demo.test\n"), ["alice@demo.test"]);
        let (message, _) = refused("action,user,group,group\ndisable,alice@demo.test,,\n", Mode::Bulk);
        assert!(message.contains("more than one group column"), "{message}");
    }

    #[test]
    fn duplicate_rows_are_collapsed_keeping_the_first() {
        let text = "action,user,tenant,description,group\n\
                    disable,alice@demo.test,demo,first,\n\
                    disable,ALICE@Demo.Test,demo,second,\n\
                    revoke-sessions,alice@demo.test,demo,,\n\
                    disable,alice@demo.test,other,,\n\
                    remove-groups,alice@demo.test,demo,,sales\n\
                    remove-groups,alice@demo.test,demo,,all-staff\n\
                    remove-groups,Alice@demo.test,demo,again,sales\n\
                    disable, alice@demo.test ,demo,third,\n";
        let parsed = parse(text, Mode::Bulk).unwrap();
        assert_eq!(parsed.duplicates, 3);
        assert_eq!(lines(&parsed.rows), [2, 4, 5, 6, 7]);
        assert_eq!(parsed.rows[0].description.as_deref(), Some("first"));

        let parsed =
            parse("user,tenant\nalice@demo.test,demo\nAlice@demo.test,\nALICE@DEMO.TEST,demo\n", Mode::Users).unwrap();
        assert_eq!((parsed.rows.len(), parsed.duplicates), (2, 1));
    }

    #[test]
    fn bulk_rows_name_any_user_facing_action_in_any_case() {
        for action in Action::USER_FACING {
            let got = rows(format!("action,user\n{action},alice@demo.test\n"), Mode::Bulk);
            assert_eq!(got[0].action, Some(action));
        }
        let got = rows("Action,User\nReset_Password,alice@demo.test\nREVOKE SESSIONS,bob@demo.test\n", Mode::Bulk);
        assert_eq!(
            got.iter().map(|r| r.action).collect::<Vec<_>>(),
            [Some(Action::ResetPassword), Some(Action::RevokeSessions)]
        );
    }

    #[test]
    fn an_unknown_or_empty_action_is_an_error_listing_the_valid_ones() {
        let errors =
            invalid("action,user\nblok,alice@demo.test\nrestore-groups,bob@demo.test\n,carol@demo.test\n", Mode::Bulk);
        assert_eq!(errors.iter().map(|e| e.0).collect::<Vec<_>>(), [2, 3, 4]);
        assert!(errors[0].1.starts_with("unknown action `blok`"), "{}", errors[0].1);
        for action in Action::USER_FACING {
            assert!(errors[0].1.contains(action.as_str()), "{} missing from {}", action, errors[0].1);
        }
        assert!(errors[1].1.starts_with("unknown action `restore-groups`"), "undo's inverse steps are not for CSV");
        assert_eq!(errors[2].1, "empty action");
    }

    #[test]
    fn users_must_be_present_printable_and_at_most_320_characters() {
        let at_limit = format!("{}@demo.test", "a".repeat(MAX_USER_CHARS - "@demo.test".len()));
        let over_limit = format!("a{at_limit}");
        let text = format!(
            "user,tenant\n,demo\nal\u{7}ice@demo.test,\nbob\u{200b}@demo.test,\n{at_limit},\n{over_limit},\nalice@demo.test,\n"
        );
        let errors = invalid(&text, Mode::Users);
        assert_eq!(errors.iter().map(|e| e.0).collect::<Vec<_>>(), [2, 3, 4, 6]);
        assert_eq!(errors[0].1, "empty user");
        assert!(errors[1].1.contains("control character (U+0007)"), "{}", errors[1].1);
        assert!(errors[2].1.contains("invisible character (U+200B)"), "{}", errors[2].1);
        assert_eq!(errors[3].1, "the user is 321 characters long; the limit is 320");
    }

    #[test]
    fn control_characters_are_refused_in_every_column_read() {
        let errors = invalid("user,description,tenant\nalice@demo.test,\"INC\u{1b}[31m\",demo\u{202e}\n", Mode::Users);
        assert_eq!(errors.len(), 1);
        assert!(errors[0].1.contains("`description` contains a control character (U+001B)"), "{}", errors[0].1);
        assert!(errors[0].1.contains("`tenant` contains an invisible character (U+202E)"), "{}", errors[0].1);
    }

    #[test]
    fn ragged_rows_are_errors() {
        let errors =
            invalid("user,tenant\nalice@demo.test,demo,extra\nbob@demo.test\ncarol@demo.test,demo\n", Mode::Users);
        assert_eq!(
            errors,
            [
                (2, "3 fields, but the header has 2 (an unquoted delimiter inside a value?)".to_string()),
                (3, "1 field, but the header has 2".to_string()),
            ]
        );
    }

    #[test]
    fn a_group_or_role_only_goes_with_the_action_that_uses_it() {
        let text = "action,user,group,role\n\
                    remove-groups,alice@demo.test,sales,\n\
                    remove-roles,bob@demo.test,,Global Administrator\n\
                    disable,carol@demo.test,sales,\n\
                    restrict,dave@demo.test,,Global Administrator\n";
        let errors = invalid(text, Mode::Bulk);
        assert_eq!(
            errors,
            [
                (4, "`group` applies only to `remove-groups`, not `disable`".to_string()),
                (5, "`role` applies only to `remove-roles`, not `restrict`".to_string()),
            ]
        );
        let got = rows("action,user,group,role\nremove-groups,alice@demo.test,sales,\n", Mode::Bulk);
        assert_eq!((got[0].action, got[0].group.as_deref()), (Some(Action::RemoveGroups), Some("sales")));
    }

    #[test]
    fn an_action_column_in_users_mode_points_to_bulk() {
        let (message, hint) = refused("action,user\ndisable,alice@demo.test\n", Mode::Users);
        assert!(message.contains("`action` column"), "{message}");
        assert!(hint.contains("remediate bulk t.csv"), "{hint}");
    }

    #[test]
    fn bulk_needs_an_action_column() {
        let (message, hint) = refused("user\nalice@demo.test\n", Mode::Bulk);
        assert!(message.contains("no `action` column"), "{message}");
        assert!(hint.contains("--csv t.csv") && hint.contains("revoke-sessions"), "{hint}");
    }

    #[test]
    fn every_invalid_row_is_reported_and_no_row_is_returned() {
        let text = "action,user\n\
                    disable,alice@demo.test\n\
                    disabel,bob@demo.test\n\
                    revoke-sessions,carol@demo.test\n\
                    enforce-mfa,\n\
                    restrict,dave@demo.test\n\
                    restrict,dave@demo.test,extra\n";
        let errors = invalid(text, Mode::Bulk);
        assert_eq!(errors.iter().map(|e| e.0).collect::<Vec<_>>(), [3, 5, 7]);
        let err = parse(text, Mode::Bulk).unwrap_err();
        assert_eq!(err.to_string(), "3 invalid rows in `t.csv`");
        assert_eq!(err.exit_code(), crate::error::ExitCode::Usage);
        assert!(err.details()[1].starts_with("t.csv:5: empty user"), "{:?}", err.details());
    }

    #[test]
    fn the_list_of_invalid_rows_is_capped_with_a_count_of_the_rest() {
        let mut text = String::from("user,description\n");
        for _ in 0..250 {
            text.push_str(",INC-1\n");
        }
        let err = parse(&text, Mode::Users).unwrap_err();
        let Error::InvalidCsv { errors, omitted, .. } = &err else { panic!("{err:?}") };
        assert_eq!((errors.len(), *omitted), (MAX_LISTED_ERRORS, 150));
        assert_eq!(errors.last().map(|e| e.line), Some(101));
        assert_eq!(err.to_string(), "250 invalid rows in `t.csv`");
        let details = err.details();
        assert_eq!(details.len(), MAX_LISTED_ERRORS + 1);
        assert_eq!(details.last().map(String::as_str), Some("t.csv: … and 150 more"));
    }

    #[test]
    fn empty_and_header_only_files_are_refused() {
        for (text, expected) in [
            ("", "`t.csv` is empty"),
            ("\u{feff}", "`t.csv` is empty"),
            ("# only a comment\n\n  \n", "`t.csv` has no header line, only blank or comment lines"),
            ("user\n", "`t.csv` has a header line but no rows"),
            ("user\r\n\r\n# nobody yet\r\n,\r\n", "`t.csv` has a header line but no rows"),
        ] {
            let (message, hint) = refused(text, Mode::Users);
            assert_eq!(message, expected, "for {text:?}");
            assert!(hint.contains("`user`"), "{hint}");
        }
        let (_, hint) = refused("", Mode::Bulk);
        assert!(hint.contains("`action,user`"), "{hint}");
    }

    #[test]
    fn binary_and_non_utf8_files_are_refused_with_the_line() {
        let (message, hint) = refused(b"user\nalice@demo.test\nb\0b\n", Mode::Users);
        assert_eq!(message, "`t.csv` is not a text file: NUL byte on line 3");
        assert!(hint.contains("CSV UTF-8"), "{hint}");
        let (message, hint) = refused(b"user\r\nalice@demo.test\r\nren\xe9@demo.test\r\n", Mode::Users);
        assert_eq!(message, "`t.csv` is not UTF-8 text: invalid byte sequence on line 3");
        assert!(hint.contains("iconv"), "{hint}");
        let (message, _) = refused(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", Mode::Users);
        assert!(message.contains("line 1"), "{message}");
    }

    #[test]
    fn utf16_text_and_workbooks_get_a_save_as_hint() {
        let utf16: Vec<u8> = "\u{feff}user\r\nalice@demo.test\r\n".encode_utf16().flat_map(u16::to_le_bytes).collect();
        let (message, hint) = refused(&utf16, Mode::Users);
        assert!(message.contains("UTF-16"), "{message}");
        assert!(hint.contains("CSV UTF-8"), "{hint}");
        let (message, hint) = refused(b"PK\x03\x04\x14\0\x06\0", Mode::Users);
        assert!(message.contains("spreadsheet workbook"), "{message}");
        assert!(hint.contains("CSV UTF-8"), "{hint}");
    }

    #[test]
    fn an_unclosed_quote_is_reported_at_the_row_that_opens_it() {
        let errors = invalid("user,description\nalice@demo.test,\"INC-1\nbob@demo.test,x\n", Mode::Users);
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].0, 2);
        assert!(errors[0].1.contains("never closed"), "{}", errors[0].1);

        let mut text = String::from("user,description\nalice@demo.test,ok\nbob@demo.test,\"INC-1\n");
        while text.len() < 2 * MAX_LINE_BYTES {
            text.push_str("carol@demo.test,more text on another line\n");
        }
        let (message, hint) = refused(&text, Mode::Users);
        assert_eq!(message, "the row at line 3 of `t.csv` is longer than 1 MiB");
        assert!(hint.contains("never closed"), "{hint}");
    }

    #[test]
    fn a_row_of_endless_delimiters_is_refused() {
        let text = format!("user,description\nalice@demo.test,x\n{}\n", ",".repeat(MAX_FIELDS * 2));
        let (message, _) = refused(&text, Mode::Users);
        assert_eq!(message, format!("the row at line 3 of `t.csv` has more than {MAX_FIELDS} fields"));
    }

    #[test]
    fn a_first_line_without_end_is_refused_without_reading_it_all() {
        let endless = io::repeat(b'a');
        let (message, _) = input_error(read_from(endless, "-", Mode::Users, Limits::default()));
        assert_eq!(message, "line 1 of `-` is longer than 1 MiB; this does not look like a CSV file");
        // A header of exactly 1 MiB, CRLF-ended, is still read.
        let header = format!("user,{}\r\nalice@demo.test,x\r\n", "x".repeat(MAX_LINE_BYTES - "user,".len()));
        assert_eq!(users(&header), ["alice@demo.test"]);
    }

    /// A source of valid rows that never ends, like `yes` piped into standard input.
    struct EndlessRows {
        header_sent: bool,
    }

    impl Read for EndlessRows {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let chunk: &[u8] = if self.header_sent { b"user042@demo.test\n" } else { b"user\n" };
            self.header_sent = true;
            let n = chunk.len().min(buf.len());
            buf[..n].copy_from_slice(&chunk[..n]);
            Ok(n)
        }
    }

    #[test]
    fn a_stream_over_the_byte_limit_is_refused_while_reading() {
        let limits = Limits { max_bytes: 64 * 1024, max_rows: MAX_ROWS };
        let (message, hint) =
            input_error(read_from(EndlessRows { header_sent: false }, "<stdin>", Mode::Users, limits));
        assert_eq!(message, "`<stdin>` is larger than 65536 bytes");
        assert!(hint.contains("split"), "{hint}");
        // At the limit exactly is fine.
        let text = "user\nalice@demo.test\n";
        let limits = Limits { max_bytes: text.len() as u64, max_rows: MAX_ROWS };
        assert_eq!(read_from(text.as_bytes(), "t.csv", Mode::Users, limits).unwrap().rows.len(), 1);
    }

    #[test]
    fn more_rows_than_the_limit_are_refused() {
        let limits = Limits { max_bytes: MAX_BYTES, max_rows: 10 };
        let mut text = String::from("# comments and blank lines do not count\nuser\n\n");
        for i in 1..=10 {
            text.push_str(&format!("user{i:03}@demo.test\n\n"));
        }
        assert_eq!(read_from(text.as_bytes(), "t.csv", Mode::Users, limits).unwrap().rows.len(), 10);
        text.push_str("user011@demo.test\n");
        let (message, hint) = input_error(read_from(text.as_bytes(), "t.csv", Mode::Users, limits));
        assert_eq!(message, "`t.csv` has more than 10 rows");
        assert!(hint.contains("split"), "{hint}");
        // Endless valid rows stop at the row limit too.
        let (message, _) = input_error(read_from(EndlessRows { header_sent: false }, "<stdin>", Mode::Users, limits));
        assert_eq!(message, "`<stdin>` has more than 10 rows");
    }

    #[test]
    fn a_file_over_the_size_limit_is_refused_without_being_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("huge.csv");
        // Sparse: all NUL bytes, which would be refused as binary if any were read.
        File::create(&path).unwrap().set_len(MAX_BYTES + 1).unwrap();
        let (message, hint) = input_error(read_parsed(&Input::Path(path.clone()), Mode::Users));
        assert_eq!(message, format!("`{}` is larger than 256 MiB (268435457 bytes)", path.display()));
        assert!(hint.contains("split"), "{hint}");
        File::create(&path).unwrap().set_len(1 << 30).unwrap();
        let (message, _) = input_error(read_parsed(&Input::Path(path.clone()), Mode::Bulk));
        assert_eq!(message, format!("`{}` is larger than 256 MiB (1024 MiB)", path.display()));
    }

    #[test]
    fn reads_a_100000_row_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.csv");
        let mut out = io::BufWriter::new(File::create(&path).unwrap());
        writeln!(out, "action,user,tenant,description").unwrap();
        for i in 0..100_000 {
            let action = Action::USER_FACING[i % 4];
            writeln!(out, "{action},user{i:06}@demo.test,demo,\"INC-{i}, bulk test\"").unwrap();
        }
        out.into_inner().unwrap().sync_all().unwrap();
        let parsed = read_parsed(&Input::Path(path), Mode::Bulk).unwrap();
        assert_eq!((parsed.rows.len(), parsed.duplicates), (100_000, 0));
        let last = parsed.rows.last().unwrap();
        assert_eq!((last.line, last.user.as_str()), (100_001, "user099999@demo.test"));
        assert_eq!(last.description.as_deref(), Some("INC-99999, bulk test"));
    }

    #[test]
    fn missing_files_and_directories_are_input_errors() {
        let dir = tempfile::tempdir().unwrap();
        let (message, hint) = input_error(read_parsed(&Input::Path(dir.path().join("nope.csv")), Mode::Users));
        assert!(message.ends_with("nope.csv`: no such file"), "{message}");
        assert!(hint.contains("`-`"), "{hint}");
        let (message, _) = input_error(read_parsed(&Input::Path(dir.path().to_path_buf()), Mode::Users));
        assert!(message.ends_with("is a directory, not a CSV file"), "{message}");
    }

    #[test]
    fn a_dash_means_standard_input() {
        assert_eq!(Input::from_arg("-"), Input::Stdin);
        assert_eq!(Input::Stdin.name(), "<stdin>");
        assert_eq!(Input::from_arg("./-"), Input::Path(PathBuf::from("./-")));
        assert_eq!(Input::from_arg("users.csv").name(), "users.csv");
    }

    fn fixture(name: &str) -> Input {
        Input::Path(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name))
    }

    #[test]
    fn the_risky_users_export_reads_as_users_of_the_demo_tenant() {
        let parsed = read_parsed(&fixture("risky-users.csv"), Mode::Users).unwrap();
        let users: Vec<&str> = parsed.rows.iter().map(|r| r.user.as_str()).collect();
        assert_eq!(
            users,
            [
                "alice@demo.test",
                "carol@demo.test",
                "dave@demo.test",
                "breakglass@demo.test",
                "user007@demo.test",
                "user012@demo.test",
                "user023@demo.test",
                "user031@demo.test",
                "user044@demo.test",
            ]
        );
        assert_eq!(parsed.duplicates, 1, "User012 appears twice");
        assert_eq!(read(&fixture("risky-users.csv"), Mode::Users).unwrap(), parsed.rows);
        assert_eq!(parsed.rows[0].line, 4);
        assert!(parsed.rows.iter().all(|r| r.description.is_none() && r.tenant.is_none()));
    }

    #[test]
    fn the_quick_start_fixture_disables_revokes_and_strips_roles() {
        let parsed = read_parsed(&fixture("compromised.csv"), Mode::Bulk).unwrap();
        assert_eq!((parsed.rows.len(), parsed.duplicates), (16, 1), "`Disable,User012` repeats a row");
        let of = |user: &str| -> Vec<Action> {
            parsed.rows.iter().filter(|r| r.user == user).map(|r| r.action.unwrap()).collect()
        };
        let admin_steps = [Action::Disable, Action::RevokeSessions, Action::RemoveRoles];
        assert_eq!((of("alice@demo.test"), of("bob@demo.test")), (admin_steps.to_vec(), admin_steps.to_vec()));
        assert_eq!(of("breakglass@demo.test"), [Action::Disable]);
        assert_eq!(of("user012@demo.test"), [Action::Disable, Action::RevokeSessions]);
        assert_eq!(parsed.rows[0].line, 4);
        assert_eq!(
            parsed.rows[3].description.as_deref(),
            Some("Global Administrator; consented a malicious app, \"Mail Sync Pro\"")
        );
    }

    #[test]
    fn the_bulk_fixture_mixes_actions_on_the_demo_tenant() {
        let parsed = read_parsed(&fixture("bulk-mixed.csv"), Mode::Bulk).unwrap();
        assert_eq!(parsed.duplicates, 0);
        let got: Vec<(Action, &str, Option<&str>)> =
            parsed.rows.iter().map(|r| (r.action.unwrap(), r.user.as_str(), r.group.as_deref())).collect();
        assert_eq!(
            got,
            [
                (Action::Disable, "user007@demo.test", None),
                (Action::RevokeSessions, "user007@demo.test", None),
                (Action::RevokeSessions, "user012@demo.test", None),
                (Action::Restrict, "user023@demo.test", None),
                (Action::RemoveGroups, "alice@demo.test", Some("sales")),
                (Action::EnforceMfa, "carol@demo.test", None),
                (Action::EnforceMfa, "user031@demo.test", None),
            ]
        );
        assert!(parsed.rows.iter().all(|r| r.tenant.as_deref() == Some("demo") && r.description.is_some()));
        assert_eq!(
            parsed.rows[5].description.as_deref(),
            Some("INC-4711 sign-in from new device, reported by helpdesk")
        );
    }
}
