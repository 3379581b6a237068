//! GitHub Actions `${{ }}` expressions, the subset `action.yml` uses, evaluated the way the
//! runner does: property access (`a.b`, `a['b']`, names with `-`), literals, `==`, `!=`, `&&`,
//! `||`, `!`, parentheses, `startsWith`, `endsWith`, `contains`, `format`, and the status
//! functions. Comparison is GitHub's loose equality (strings case-insensitive, mixed types
//! compared as numbers); `&&`/`||` return an operand. Anything else is an error, so a new
//! construct in `action.yml` fails the test instead of passing silently.

use serde_json::Value;

/// The job's status, for `success()`, `failure()`, `cancelled()`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Success,
    Failure,
}

pub struct Ctx<'a> {
    /// `{inputs, github, runner, steps, env}`.
    pub data: &'a Value,
    pub status: Status,
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Str(String),
    Num(f64),
    Op(&'static str),
}

fn lex(src: &str) -> Result<Vec<Tok>, String> {
    let c: Vec<char> = src.chars().collect();
    let mut i = 0;
    let mut out = Vec::new();
    while i < c.len() {
        let ch = c[i];
        if ch.is_whitespace() {
            i += 1;
        } else if ch == '\'' {
            let mut s = String::new();
            i += 1;
            loop {
                match c.get(i) {
                    None => return Err(format!("unterminated string in {src:?}")),
                    Some('\'') if c.get(i + 1) == Some(&'\'') => {
                        s.push('\'');
                        i += 2;
                    }
                    Some('\'') => {
                        i += 1;
                        break;
                    }
                    Some(&x) => {
                        s.push(x);
                        i += 1;
                    }
                }
            }
            out.push(Tok::Str(s));
        } else if ch.is_ascii_digit() {
            let start = i;
            while i < c.len() && (c[i].is_ascii_digit() || c[i] == '.') {
                i += 1;
            }
            let s: String = c[start..i].iter().collect();
            out.push(Tok::Num(s.parse().map_err(|e| format!("{s}: {e}"))?));
        } else if ch.is_ascii_alphabetic() || ch == '_' {
            let start = i;
            while i < c.len() && (c[i].is_ascii_alphanumeric() || c[i] == '_' || c[i] == '-') {
                i += 1;
            }
            out.push(Tok::Ident(c[start..i].iter().collect()));
        } else {
            let two: String = c[i..(i + 2).min(c.len())].iter().collect();
            let op = match two.as_str() {
                "==" => Some("=="),
                "!=" => Some("!="),
                "&&" => Some("&&"),
                "||" => Some("||"),
                _ => None,
            };
            if let Some(op) = op {
                out.push(Tok::Op(op));
                i += 2;
                continue;
            }
            let op = match ch {
                '!' => "!",
                '(' => "(",
                ')' => ")",
                '[' => "[",
                ']' => "]",
                '.' => ".",
                ',' => ",",
                _ => {
                    return Err(format!(
                        "unsupported character {ch:?} in expression {src:?}"
                    ))
                }
            };
            out.push(Tok::Op(op));
            i += 1;
        }
    }
    Ok(out)
}

struct Parser<'a, 'c> {
    toks: Vec<Tok>,
    pos: usize,
    ctx: &'a Ctx<'c>,
    src: &'a str,
}

impl Parser<'_, '_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }
    fn eat(&mut self, op: &str) -> bool {
        if matches!(self.peek(), Some(Tok::Op(o)) if *o == op) {
            self.pos += 1;
            true
        } else {
            false
        }
    }
    fn expect(&mut self, op: &str) -> Result<(), String> {
        if self.eat(op) {
            Ok(())
        } else {
            Err(format!("expected {op:?} in {:?}", self.src))
        }
    }
    fn or(&mut self) -> Result<Value, String> {
        let mut l = self.and()?;
        while self.eat("||") {
            let r = self.and()?;
            l = if truthy(&l) { l } else { r };
        }
        Ok(l)
    }
    fn and(&mut self) -> Result<Value, String> {
        let mut l = self.cmp()?;
        while self.eat("&&") {
            let r = self.cmp()?;
            l = if truthy(&l) { r } else { l };
        }
        Ok(l)
    }
    fn cmp(&mut self) -> Result<Value, String> {
        let l = self.unary()?;
        if self.eat("==") {
            let r = self.unary()?;
            return Ok(Value::Bool(loose_eq(&l, &r)));
        }
        if self.eat("!=") {
            let r = self.unary()?;
            return Ok(Value::Bool(!loose_eq(&l, &r)));
        }
        Ok(l)
    }
    fn unary(&mut self) -> Result<Value, String> {
        if self.eat("!") {
            let v = self.unary()?;
            return Ok(Value::Bool(!truthy(&v)));
        }
        self.postfix()
    }
    fn postfix(&mut self) -> Result<Value, String> {
        let mut v = self.primary()?;
        loop {
            if self.eat(".") {
                match self.toks.get(self.pos).cloned() {
                    Some(Tok::Ident(name)) => {
                        self.pos += 1;
                        v = index(&v, &name);
                    }
                    _ => return Err(format!("expected a property name in {:?}", self.src)),
                }
            } else if self.eat("[") {
                let key = self.or()?;
                self.expect("]")?;
                v = index(&v, &to_string(&key));
            } else {
                return Ok(v);
            }
        }
    }
    fn primary(&mut self) -> Result<Value, String> {
        let tok = self
            .toks
            .get(self.pos)
            .cloned()
            .ok_or_else(|| format!("unexpected end of {:?}", self.src))?;
        self.pos += 1;
        match tok {
            Tok::Str(s) => Ok(Value::String(s)),
            Tok::Num(n) => Ok(serde_json::json!(n)),
            Tok::Op("(") => {
                let v = self.or()?;
                self.expect(")")?;
                Ok(v)
            }
            Tok::Ident(name) => match name.as_str() {
                "true" => Ok(Value::Bool(true)),
                "false" => Ok(Value::Bool(false)),
                "null" => Ok(Value::Null),
                _ if self.eat("(") => {
                    let mut args = Vec::new();
                    if !self.eat(")") {
                        loop {
                            args.push(self.or()?);
                            if self.eat(")") {
                                break;
                            }
                            self.expect(",")?;
                        }
                    }
                    self.call(&name, &args)
                }
                "inputs" | "github" | "runner" | "steps" | "env" => {
                    Ok(self.ctx.data[name.as_str()].clone())
                }
                _ => Err(format!("unsupported context {name:?} in {:?}", self.src)),
            },
            Tok::Op(op) => Err(format!("unexpected {op:?} in {:?}", self.src)),
        }
    }
    fn call(&self, name: &str, args: &[Value]) -> Result<Value, String> {
        let arity = |n: usize| {
            if args.len() == n {
                Ok(())
            } else {
                Err(format!("{name}() takes {n} arguments in {:?}", self.src))
            }
        };
        let lower = |i: usize| to_string(&args[i]).to_lowercase();
        Ok(Value::Bool(match name {
            "always" => {
                arity(0)?;
                true
            }
            "success" => {
                arity(0)?;
                self.ctx.status == Status::Success
            }
            "failure" => {
                arity(0)?;
                self.ctx.status == Status::Failure
            }
            "cancelled" => {
                arity(0)?;
                false
            }
            "startsWith" => {
                arity(2)?;
                lower(0).starts_with(&lower(1))
            }
            "endsWith" => {
                arity(2)?;
                lower(0).ends_with(&lower(1))
            }
            "contains" => {
                arity(2)?;
                match &args[0] {
                    Value::Array(a) => a.iter().any(|x| loose_eq(x, &args[1])),
                    _ => lower(0).contains(&lower(1)),
                }
            }
            "format" => {
                let Some(fmt) = args.first() else {
                    return Err(format!("format() needs a format string in {:?}", self.src));
                };
                let mut s = to_string(fmt).replace("{{", "\u{0}").replace("}}", "\u{1}");
                for (i, a) in args[1..].iter().enumerate() {
                    s = s.replace(&format!("{{{i}}}"), &to_string(a));
                }
                return Ok(Value::String(s.replace('\u{0}', "{").replace('\u{1}', "}")));
            }
            _ => return Err(format!("unsupported function {name}() in {:?}", self.src)),
        }))
    }
}

fn index(v: &Value, key: &str) -> Value {
    match v {
        Value::Object(m) => m
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.clone())
            .unwrap_or(Value::Null),
        _ => Value::Null,
    }
}

pub fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        _ => true,
    }
}

fn number(v: &Value) -> f64 {
    match v {
        Value::Null => 0.0,
        Value::Bool(b) => f64::from(u8::from(*b)),
        Value::Number(n) => n.as_f64().unwrap_or(f64::NAN),
        Value::String(s) if s.trim().is_empty() => 0.0,
        Value::String(s) => s.trim().parse().unwrap_or(f64::NAN),
        _ => f64::NAN,
    }
}

fn loose_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::String(x), Value::String(y)) => x.eq_ignore_ascii_case(y),
        (Value::Null, Value::Null) => true,
        (Value::Array(_) | Value::Object(_), _) | (_, Value::Array(_) | Value::Object(_)) => a == b,
        _ => number(a) == number(b),
    }
}

/// A value as the runner puts it into a string.
pub fn to_string(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => {
            let f = n.as_f64().unwrap_or_default();
            if f.fract() == 0.0 && f.abs() < 1e15 {
                format!("{}", f as i64)
            } else {
                f.to_string()
            }
        }
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

pub fn eval(src: &str, ctx: &Ctx) -> Result<Value, String> {
    let mut p = Parser {
        toks: lex(src)?,
        pos: 0,
        ctx,
        src,
    };
    let v = p.or()?;
    if p.pos != p.toks.len() {
        return Err(format!("trailing tokens in {src:?}"));
    }
    Ok(v)
}

/// A string with every `${{ expr }}` replaced by its value.
pub fn interpolate(s: &str, ctx: &Ctx) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find("${{") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 3..];
        let j = after
            .find("}}")
            .ok_or_else(|| format!("unterminated ${{{{ in {s:?}"))?;
        out.push_str(&to_string(&eval(&after[..j], ctx)?));
        rest = &after[j + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Whether a step runs: `if:` with or without `${{ }}`; without a status function it means
/// `success() && (…)`.
pub fn condition(cond: Option<&str>, ctx: &Ctx) -> Result<bool, String> {
    let Some(c) = cond else {
        return Ok(ctx.status == Status::Success);
    };
    let mut c = c.trim();
    if let Some(inner) = c.strip_prefix("${{").and_then(|x| x.strip_suffix("}}")) {
        if !inner.contains("${{") {
            c = inner.trim();
        }
    }
    let status_fn = ["always(", "success(", "failure(", "cancelled("]
        .iter()
        .any(|f| c.contains(f));
    let v = eval(c, ctx)?;
    Ok(truthy(&v) && (status_fn || ctx.status == Status::Success))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ev(src: &str, status: Status) -> Result<Value, String> {
        let data = json!({"inputs": {"comment": "summary", "github-token": "t"},
            "github": {"event_name": "pull_request_target"},
            "steps": {"cache": {"outputs": {"cache-hit": ""}}}});
        eval(
            src,
            &Ctx {
                data: &data,
                status,
            },
        )
    }

    #[test]
    fn the_subset_evaluates_as_the_runner_does() {
        let s = Status::Success;
        assert_eq!(
            ev("startsWith(github.event_name, 'PULL_request')", s),
            Ok(json!(true))
        );
        assert_eq!(ev("inputs.comment != 'off'", s), Ok(json!(true)));
        assert_eq!(ev("inputs['github-token']", s), Ok(json!("t")));
        assert_eq!(
            ev("steps.cache.outputs.cache-hit != 'true'", s),
            Ok(json!(true))
        );
        assert_eq!(ev("format('{0}-{1}', 'a', 2)", s), Ok(json!("a-2")));
        assert_eq!(ev("'' || 'x'", s), Ok(json!("x")));
        assert_eq!(ev("!always() && true", s), Ok(json!(false)));
        assert_eq!(ev("failure()", Status::Failure), Ok(json!(true)));
        assert!(ev("hashFiles('x')", s).is_err());
        assert!(ev("matrix.os", s).is_err());
        assert!(ev("1 < 2", s).is_err());
    }
}
