//! Reading raw replies: stream entries and script results keep payloads as
//! bytes, so they are taken apart by hand rather than through `FromRedisValue`.

use redis::Value;

use super::error::{bad_reply, ClusterError};
use super::task::EntryId;

/// The field/value pairs of one stream entry, in order.
pub type Fields = Vec<(Vec<u8>, Vec<u8>)>;

/// One stream entry as Redis returned it.
#[derive(Clone, Debug)]
pub struct RawEntry {
    pub id: String,
    pub fields: Fields,
}

pub fn bytes(value: &Value) -> Option<&[u8]> {
    match value {
        Value::BulkString(bytes) => Some(bytes),
        Value::SimpleString(text) => Some(text.as_bytes()),
        Value::VerbatimString { text, .. } => Some(text.as_bytes()),
        _ => None,
    }
}

pub fn text(value: &Value) -> Option<String> {
    bytes(value).and_then(|bytes| String::from_utf8(bytes.to_vec()).ok())
}

pub fn int(value: &Value) -> Option<i64> {
    match value {
        Value::Int(n) => Some(*n),
        other => text(other)?.parse().ok(),
    }
}

/// The items of an array (or set); Nil is an empty array.
pub fn items(value: &Value) -> Option<&[Value]> {
    match value {
        Value::Array(items) | Value::Set(items) => Some(items),
        Value::Nil => Some(&[]),
        _ => None,
    }
}

/// An array of entry ids, as the scripts return the entries they name;
/// `what` names the reply in the error.
pub fn entry_ids(value: &Value, what: &str) -> Result<Vec<EntryId>, ClusterError> {
    let ids = items(value).ok_or_else(|| bad_reply(what))?;
    ids.iter().map(|id| text(id).map(EntryId).ok_or_else(|| bad_reply(what))).collect()
}

/// A flat `[field, value, ...]` list (or a RESP3 map) as pairs.
pub fn fields(value: &Value) -> Option<Fields> {
    match value {
        Value::Map(pairs) => pairs.iter().map(|(k, v)| Some((bytes(k)?.to_vec(), bytes(v)?.to_vec()))).collect(),
        Value::Nil => Some(Vec::new()),
        other => {
            let flat = items(other)?;
            if flat.len() % 2 != 0 {
                return None;
            }
            flat.chunks(2).map(|pair| Some((bytes(&pair[0])?.to_vec(), bytes(&pair[1])?.to_vec()))).collect()
        }
    }
}

/// `[id, [field, value, ...]]`
pub fn entry(value: &Value) -> Result<RawEntry, ClusterError> {
    let parts = items(value).ok_or_else(|| bad_reply("stream entry"))?;
    let [id, body] = parts else { return Err(bad_reply("stream entry")) };
    let id = text(id).ok_or_else(|| bad_reply("stream entry id"))?;
    let fields = fields(body).ok_or_else(|| bad_reply("stream entry fields"))?;
    Ok(RawEntry { id, fields })
}

/// The entries of the one stream an `XREAD`/`XREADGROUP` read: Nil when the
/// block expired, else `[[key, [entry, ...]]]` (or a RESP3 map of it).
pub fn read_reply(value: &Value) -> Result<Vec<RawEntry>, ClusterError> {
    Ok(read_reply_by_stream(value)?.into_iter().map(|(_, raw)| raw).collect())
}

/// The entries an `XREAD`/`XREADGROUP` of several streams read, each with
/// the key of its stream.
pub fn read_reply_by_stream(value: &Value) -> Result<Vec<(String, RawEntry)>, ClusterError> {
    let streams: Vec<(&Value, &Value)> = match value {
        Value::Nil => return Ok(Vec::new()),
        Value::Map(pairs) => pairs.iter().map(|(key, entries)| (key, entries)).collect(),
        other => items(other)
            .ok_or_else(|| bad_reply("stream read"))?
            .iter()
            .map(|stream| match items(stream) {
                Some([key, entries]) => Ok((key, entries)),
                _ => Err(bad_reply("stream read")),
            })
            .collect::<Result<_, _>>()?,
    };
    let mut out = Vec::new();
    for (key, entries) in streams {
        let key = text(key).ok_or_else(|| bad_reply("stream key"))?;
        for raw in items(entries).ok_or_else(|| bad_reply("stream entries"))? {
            out.push((key.clone(), entry(raw)?));
        }
    }
    Ok(out)
}

/// The value of `name` among an entry's fields.
pub fn field<'a>(fields: &'a Fields, name: &str) -> Option<&'a [u8]> {
    fields.iter().find(|(key, _)| key == name.as_bytes()).map(|(_, value)| value.as_slice())
}
