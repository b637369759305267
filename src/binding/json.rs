//! Just enough JSON writing for the orchestrator's flat records (strings,
//! integers, booleans, null), so that JavaScript reads a batch with one
//! `JSON.parse` instead of one napi object per field. No dependency for it.

use std::fmt::Write;

/// Writes one object's fields into `out`; `end` closes it.
pub(super) struct Object<'a> {
    out: &'a mut String,
    empty: bool,
}

impl<'a> Object<'a> {
    pub(super) fn begin(out: &'a mut String) -> Object<'a> {
        out.push('{');
        Object { out, empty: true }
    }

    fn key(&mut self, key: &str) {
        if !self.empty {
            self.out.push(',');
        }
        self.empty = false;
        string(self.out, key);
        self.out.push(':');
    }

    pub(super) fn str(mut self, key: &str, value: &str) -> Self {
        self.key(key);
        string(self.out, value);
        self
    }

    pub(super) fn opt_str(mut self, key: &str, value: Option<&str>) -> Self {
        self.key(key);
        match value {
            Some(value) => string(self.out, value),
            None => self.out.push_str("null"),
        }
        self
    }

    /// Integers only (ids, counts, epoch milliseconds): exact in a JavaScript
    /// number up to 2^53.
    pub(super) fn int(mut self, key: &str, value: impl Into<i128>) -> Self {
        self.key(key);
        let _ = write!(self.out, "{}", value.into());
        self
    }

    pub(super) fn opt_int(mut self, key: &str, value: Option<impl Into<i128>>) -> Self {
        match value {
            Some(value) => self.int(key, value),
            None => {
                self.key(key);
                self.out.push_str("null");
                self
            }
        }
    }

    pub(super) fn bool(mut self, key: &str, value: bool) -> Self {
        self.key(key);
        self.out.push_str(if value { "true" } else { "false" });
        self
    }

    /// A value written by `write` (an array or object).
    pub(super) fn raw(mut self, key: &str, write: impl FnOnce(&mut String)) -> Self {
        self.key(key);
        write(self.out);
        self
    }

    pub(super) fn end(self) {
        self.out.push('}');
    }
}

/// `[item, ...]`, each written by `write`.
pub(super) fn array<T>(out: &mut String, items: impl IntoIterator<Item = T>, mut write: impl FnMut(&mut String, T)) {
    out.push('[');
    for (i, item) in items.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write(out, item);
    }
    out.push(']');
}

/// A JSON string: quotes, backslashes and control characters escaped; the
/// rest as it is (JSON text is Unicode).
pub(super) fn string(out: &mut String, value: &str) {
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_flat_objects_and_arrays_with_escapes() {
        let mut out = String::new();
        array(&mut out, [1, 2], |out, n| {
            Object::begin(out)
                .int("n", n)
                .str("s", "a\"b\\c\nd\u{1}é")
                .opt_str("none", None)
                .opt_int("t", Some(-5i64))
                .bool("ok", n == 1)
                .raw("list", |out| array(out, ["x"], string))
                .end()
        });
        assert_eq!(
            out,
            r#"[{"n":1,"s":"a\"b\\c\nd\u0001é","none":null,"t":-5,"ok":true,"list":["x"]},{"n":2,"s":"a\"b\\c\nd\u0001é","none":null,"t":-5,"ok":false,"list":["x"]}]"#
        );
    }
}
