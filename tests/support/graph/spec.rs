//! The Graph spec subset (`tests/specs/graph-v1.0-subset.json`) as a request validator:
//! path templates, allowed query options, and strict JSON body validation (property
//! names and types per the schemas; unknown properties are rejected).

use serde_json::{Map, Value};

pub const SPEC_JSON: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/specs/graph-v1.0-subset.json"));

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    Lit(String),
    Param { name: String, uuid: bool },
}

#[derive(Debug, Clone)]
pub struct Op {
    pub method: String,
    pub path: String,
    pub template: Vec<Seg>,
    pub id: String,
    pub query: Vec<String>,
    pub headers: Vec<String>,
    pub body: Option<Value>,
    pub body_required: bool,
    /// Schema of the returned object, or of one item of a returned collection.
    pub item: Option<Value>,
    pub collection: bool,
}

/// Path parameters of a matched operation: (name, decoded value).
pub type Params = Vec<(String, String)>;

pub struct Spec {
    doc: Value,
    pub ops: Vec<Op>,
}

impl Spec {
    pub fn load() -> Spec {
        let doc: Value = serde_json::from_str(SPEC_JSON).expect("spec subset is JSON");
        let mut ops = Vec::new();
        let paths = doc["paths"].as_object().expect("paths").clone();
        for (path, methods) in &paths {
            for (method, op) in methods.as_object().expect("path item") {
                let mut params: Vec<Value> = Vec::new();
                for p in op["parameters"].as_array().cloned().unwrap_or_default() {
                    params.push(resolve_ref(&doc, &p).clone());
                }
                let template = path
                    .trim_start_matches('/')
                    .split('/')
                    .map(|s| {
                        if let Some(name) = s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                            let uuid = params
                                .iter()
                                .any(|p| p["name"] == name && p["in"] == "path" && p["schema"]["format"] == "uuid");
                            Seg::Param { name: name.to_string(), uuid }
                        } else {
                            Seg::Lit(s.to_string())
                        }
                    })
                    .collect();
                let body = op["requestBody"]["content"]["application/json"]["schema"].clone();
                let ok = ["200", "201"]
                    .iter()
                    .map(|c| &op["responses"][*c]["content"]["application/json"]["schema"])
                    .find(|s| !s.is_null())
                    .cloned();
                let (item, collection) = match ok {
                    Some(s) => {
                        let s = resolve_ref(&doc, &s).clone();
                        if s["properties"]["value"]["type"] == "array" {
                            (Some(s["properties"]["value"]["items"].clone()), true)
                        } else {
                            (Some(s), false)
                        }
                    }
                    None => (None, false),
                };
                ops.push(Op {
                    method: method.to_uppercase(),
                    path: path.clone(),
                    template,
                    id: op["operationId"].as_str().unwrap_or_default().to_string(),
                    query: params
                        .iter()
                        .filter(|p| p["in"] == "query")
                        .filter_map(|p| p["name"].as_str().map(str::to_string))
                        .collect(),
                    headers: params
                        .iter()
                        .filter(|p| p["in"] == "header")
                        .filter_map(|p| p["name"].as_str().map(str::to_string))
                        .collect(),
                    body: (!body.is_null()).then_some(body),
                    body_required: op["requestBody"]["required"].as_bool().unwrap_or(false),
                    item,
                    collection,
                });
            }
        }
        Spec { doc, ops }
    }

    /// The operation for a method and decoded path segments; `Err` says why none fits.
    /// Where several templates fit, the one with the most literal segments wins
    /// (`/users/x/memberOf/microsoft.graph.group` is the cast, not a parameter).
    pub fn find(&self, method: &str, segs: &[String]) -> Result<(&Op, Params), String> {
        let mut path_matched = false;
        let mut best: Option<(&Op, Params)> = None;
        for op in &self.ops {
            if op.template.len() != segs.len() {
                continue;
            }
            let mut params = Vec::new();
            let fits = op.template.iter().zip(segs).all(|(t, s)| match t {
                Seg::Lit(l) => l == s,
                Seg::Param { name, .. } => {
                    params.push((name.clone(), s.clone()));
                    !s.is_empty()
                }
            });
            if !fits {
                continue;
            }
            path_matched = true;
            if op.method == method && best.as_ref().is_none_or(|(b, _)| lits(&op.template) > lits(&b.template)) {
                best = Some((op, params));
            }
        }
        match best {
            Some(b) => Ok(b),
            None if path_matched => Err(format!("{method} is not an operation of /{}", segs.join("/"))),
            None => Err(format!("/{} is not a path of the Graph spec subset", segs.join("/"))),
        }
    }

    pub fn schema(&self, name: &str) -> Value {
        self.doc["components"]["schemas"][name].clone()
    }

    /// Every property name an object of `schema` may have (through `$ref` and `allOf`).
    pub fn properties(&self, schema: &Value) -> Map<String, Value> {
        let s = resolve_ref(&self.doc, schema);
        let mut out = Map::new();
        if let Some(all) = s["allOf"].as_array() {
            for part in all {
                out.extend(self.properties(part));
            }
        }
        if let Some(p) = s["properties"].as_object() {
            out.extend(p.clone());
        }
        out
    }

    /// Validate `v` against `schema`; errors are pushed as `path: problem`.
    pub fn validate(&self, schema: &Value, v: &Value, at: &str, errs: &mut Vec<String>) {
        let s = resolve_ref(&self.doc, schema);
        if let Some(any) = s["anyOf"].as_array() {
            if v.is_null() && any.iter().any(|b| b["nullable"] == true) {
                return;
            }
            let fits = any.iter().any(|b| {
                // `{"type": "object", "nullable": true}` beside a `$ref` only says "or null".
                if b["type"] == "object" && b["nullable"] == true && b.get("properties").is_none() {
                    return false;
                }
                let mut e = Vec::new();
                self.validate(b, v, at, &mut e);
                e.is_empty()
            });
            if !fits {
                let mut first = Vec::new();
                if let Some(b) = any.first() {
                    self.validate(b, v, at, &mut first);
                }
                errs.push(first.into_iter().next().unwrap_or_else(|| format!("{at}: matches no allowed form")));
            }
            return;
        }
        if v.is_null() {
            if s["nullable"] != true && !s.as_object().is_some_and(|o| o.is_empty()) {
                errs.push(format!("{at}: null is not allowed"));
            }
            return;
        }
        let is_object = s["type"] == "object" || s.get("allOf").is_some() || s.get("properties").is_some();
        if is_object {
            let Some(obj) = v.as_object() else {
                errs.push(format!("{at}: expected an object, got {}", kind(v)));
                return;
            };
            let props = self.properties(s);
            let additional = &s["additionalProperties"];
            for (k, val) in obj {
                match props.get(k) {
                    Some(p) => self.validate(p, val, &format!("{at}.{k}"), errs),
                    None if additional.is_object() => self.validate(additional, val, &format!("{at}.{k}"), errs),
                    // Unknown properties are refused even where the CSDL marks the type
                    // open: a misspelt property is silently ignored by Graph, which is
                    // exactly the kind of bug this emulator is here to catch.
                    None => errs.push(format!("{at}: unknown property `{k}`")),
                }
            }
            for r in s["required"].as_array().into_iter().flatten() {
                if let Some(r) = r.as_str()
                    && !obj.contains_key(r)
                {
                    errs.push(format!("{at}: missing required property `{r}`"));
                }
            }
            return;
        }
        match s["type"].as_str() {
            Some("array") => {
                let Some(a) = v.as_array() else {
                    errs.push(format!("{at}: expected an array, got {}", kind(v)));
                    return;
                };
                if let Some(max) = s["maxItems"].as_u64()
                    && a.len() as u64 > max
                {
                    errs.push(format!("{at}: {} items, at most {max} allowed", a.len()));
                }
                for (i, item) in a.iter().enumerate() {
                    self.validate(&s["items"], item, &format!("{at}[{i}]"), errs);
                }
            }
            Some("string") => match v.as_str() {
                None => errs.push(format!("{at}: expected a string, got {}", kind(v))),
                Some(text) => {
                    if let Some(e) = s["enum"].as_array()
                        && !e.iter().any(|x| x == v)
                    {
                        errs.push(format!("{at}: `{text}` is not one of {}", Value::Array(e.clone())));
                    }
                    if s["format"] == "date-time" && text.parse::<jiff::Timestamp>().is_err() {
                        errs.push(format!("{at}: `{text}` is not a date-time"));
                    }
                    if s["format"] == "uuid" && !is_guid(text) {
                        errs.push(format!("{at}: `{text}` is not a uuid"));
                    }
                }
            },
            Some("boolean") if !v.is_boolean() => errs.push(format!("{at}: expected a boolean, got {}", kind(v))),
            Some("integer") if !(v.is_i64() || v.is_u64()) => {
                errs.push(format!("{at}: expected an integer, got {}", kind(v)))
            }
            Some("number") if !v.is_number() => errs.push(format!("{at}: expected a number, got {}", kind(v))),
            _ => {}
        }
    }
}

fn lits(t: &[Seg]) -> usize {
    t.iter().filter(|s| matches!(s, Seg::Lit(_))).count()
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

pub fn resolve_ref<'a>(doc: &'a Value, v: &'a Value) -> &'a Value {
    let mut cur = v;
    while let Some(r) = cur["$ref"].as_str() {
        let mut target = doc;
        for part in r.trim_start_matches("#/").split('/') {
            target = &target[part];
        }
        cur = target;
    }
    cur
}

pub fn is_guid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}
