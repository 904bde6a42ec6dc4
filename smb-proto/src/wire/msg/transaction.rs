//! `SMB_COM_TRANSACTION` (0x25) framing, and the parameter/data layout shared by the whole
//! transaction family (TRANSACTION, TRANSACTION2, NT_TRANSACT).
//!
//! A transaction carries setup words, a parameter block and a data block. The blocks are
//! located by offsets from the SMB header, never by position; senders pad them to 4-byte
//! boundaries and some leave garbage in the padding, which [`TransPayload`] keeps so a
//! decoded message re-encodes exactly.

use alloc::string::String;
use alloc::vec::Vec;
use bytes::Bytes;

use crate::wire::codec::{DecodeError, Pad, Reader, Writer, pad_to};
use crate::wire::header::Command;
use crate::wire::message::{BlockDecoder, BlockEncoder, Body};
use crate::wire::strings::{read_aligned_str, write_aligned_str};

/// Most setup words accepted.
pub const MAX_SETUP: usize = 32;

/// The parameter and data blocks of a transaction message, with their layout.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TransPayload {
    /// Bytes between the start of the data area (after any name) and the parameters.
    /// `None` encodes the canonical padding to a 4-byte boundary.
    pub pad1: Pad,
    /// The parameter bytes.
    pub parameters: Bytes,
    /// Bytes between the parameters and the data (canonical: pad to 4 when there is data).
    pub pad2: Pad,
    /// The data bytes.
    pub data: Bytes,
    /// ParameterOffset as sent when the parameters are empty and it is not where they
    /// would be.
    pub empty_parameter_offset: Option<u32>,
    /// DataOffset as sent when the data is empty and it is not where it would be.
    pub empty_data_offset: Option<u32>,
}

impl TransPayload {
    /// A payload with canonical layout.
    pub fn new(parameters: Bytes, data: Bytes) -> Self {
        Self {
            parameters,
            data,
            ..Default::default()
        }
    }

    /// Decodes the blocks from the data area starting at the reader's position.
    pub fn decode(
        b: &mut BlockDecoder<'_>,
        param_count: usize,
        param_offset: usize,
        data_count: usize,
        data_offset: usize,
    ) -> Result<Self, DecodeError> {
        let msg = b.message();
        let start = b.data.pos();
        let mut r = Reader::range(msg, start, msg.len() - start, "Bytes")?;
        let first = if param_count > 0 {
            param_offset
        } else if data_count > 0 {
            data_offset
        } else {
            b.data.end().max(start)
        };
        if first < start {
            return Err(DecodeError::invalid(
                if param_count > 0 {
                    "ParameterOffset"
                } else {
                    "DataOffset"
                },
                start,
            ));
        }
        let pad1 = Pad::read_to(&mut r, first, "Pad1")?;
        let empty_parameter_offset =
            (param_count == 0 && param_offset != first).then_some(param_offset as u32);
        let parameters = r.bytes(param_count, "Parameters")?;
        let params_end = r.pos();
        let (pad2, data, empty_data_offset) = if data_count > 0 {
            if data_offset < params_end {
                return Err(DecodeError::invalid("DataOffset", params_end));
            }
            let pad2 = Pad::read_to(&mut r, data_offset, "Pad2")?;
            (pad2, r.bytes(data_count, "Data")?, None)
        } else {
            let off = (data_offset != params_end).then_some(data_offset as u32);
            (Pad(Some(Bytes::new())), Bytes::new(), off)
        };
        let stop = r.pos();
        if stop > b.data.end() {
            b.data.seek(b.data.end(), "Bytes")?;
            b.end = Some(stop);
        } else {
            b.data.seek(stop, "Bytes")?;
        }
        Ok(Self {
            pad1,
            parameters,
            pad2,
            data,
            empty_parameter_offset,
            empty_data_offset,
        })
    }

    /// Encodes the blocks at the writer's position; returns (ParameterOffset, DataOffset).
    pub fn encode(&self, w: &mut Writer) -> (usize, usize) {
        let p1 = pad_to(w.pos(), 4);
        self.pad1.write(w, p1);
        let param_offset = match self.empty_parameter_offset {
            Some(o) if self.parameters.is_empty() => o as usize,
            _ => w.pos(),
        };
        w.bytes(&self.parameters);
        let p2 = if self.data.is_empty() {
            0
        } else {
            pad_to(w.pos(), 4)
        };
        self.pad2.write(w, p2);
        let data_offset = match self.empty_data_offset {
            Some(o) if self.data.is_empty() => o as usize,
            _ => w.pos(),
        };
        if !self.data.is_empty() {
            w.tail(self.data.clone());
        }
        (param_offset, data_offset)
    }
}

/// The request words common to TRANSACTION and TRANSACTION2.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TransRequestHeader {
    /// Total parameter bytes of the whole transaction.
    pub total_parameter_count: u16,
    /// Total data bytes of the whole transaction.
    pub total_data_count: u16,
    /// Most parameter bytes the server may return.
    pub max_parameter_count: u16,
    /// Most data bytes the server may return.
    pub max_data_count: u16,
    /// Most setup words the server may return.
    pub max_setup_count: u8,
    /// Reserved.
    pub reserved1: u8,
    /// Flags (0x1 disconnect TID, 0x2 no response).
    pub flags: u16,
    /// Timeout.
    pub timeout: u32,
    /// Reserved.
    pub reserved2: u16,
    /// Reserved (after SetupCount).
    pub reserved3: u8,
    /// Setup words.
    pub setup: Vec<u16>,
}

/// Counts and offsets read from a request's or response's words.
pub(crate) struct Counts {
    pub param_count: usize,
    pub param_offset: usize,
    pub data_count: usize,
    pub data_offset: usize,
}

pub(crate) fn decode_request_words(
    b: &mut BlockDecoder<'_>,
) -> Result<(TransRequestHeader, Counts), DecodeError> {
    if b.word_count < 14 {
        return Err(DecodeError::invalid(
            "WordCount",
            b.params.pos().saturating_sub(1),
        ));
    }
    let p = &mut b.params;
    let mut h = TransRequestHeader {
        total_parameter_count: p.u16("TotalParameterCount")?,
        total_data_count: p.u16("TotalDataCount")?,
        max_parameter_count: p.u16("MaxParameterCount")?,
        max_data_count: p.u16("MaxDataCount")?,
        max_setup_count: p.u8("MaxSetupCount")?,
        reserved1: p.u8("Reserved1")?,
        flags: p.u16("Flags")?,
        timeout: p.u32("Timeout")?,
        reserved2: p.u16("Reserved2")?,
        ..Default::default()
    };
    let c = Counts {
        param_count: p.u16("ParameterCount")? as usize,
        param_offset: p.u16("ParameterOffset")? as usize,
        data_count: p.u16("DataCount")? as usize,
        data_offset: p.u16("DataOffset")? as usize,
    };
    let setup_count = p.u8("SetupCount")? as usize;
    h.reserved3 = p.u8("Reserved3")?;
    if 14 + setup_count != b.word_count as usize {
        return Err(DecodeError::invalid("SetupCount", p.pos() - 2));
    }
    h.setup = (0..setup_count)
        .map(|_| p.u16("Setup"))
        .collect::<Result<_, _>>()?;
    Ok((h, c))
}

/// Writes the request words; returns the positions of ParameterOffset and DataOffset.
pub(crate) fn encode_request_words(
    b: &mut BlockEncoder<'_>,
    h: &TransRequestHeader,
    payload: &TransPayload,
) -> (usize, usize) {
    let w = &mut b.w;
    w.u16(h.total_parameter_count);
    w.u16(h.total_data_count);
    w.u16(h.max_parameter_count);
    w.u16(h.max_data_count);
    w.u8(h.max_setup_count);
    w.u8(h.reserved1);
    w.u16(h.flags);
    w.u32(h.timeout);
    w.u16(h.reserved2);
    w.u16(payload.parameters.len() as u16);
    let po = w.placeholder_u16();
    w.u16(payload.data.len() as u16);
    let dof = w.placeholder_u16();
    w.u8(h.setup.len() as u8);
    w.u8(h.reserved3);
    for s in &h.setup {
        w.u16(*s);
    }
    (po, dof)
}

/// The response words common to TRANSACTION and TRANSACTION2.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TransResponseHeader {
    /// Total parameter bytes of the whole response.
    pub total_parameter_count: u16,
    /// Total data bytes of the whole response.
    pub total_data_count: u16,
    /// Reserved.
    pub reserved1: u16,
    /// Offset of these parameter bytes within the whole response's parameters.
    pub parameter_displacement: u16,
    /// Offset of these data bytes within the whole response's data.
    pub data_displacement: u16,
    /// Reserved (after SetupCount).
    pub reserved2: u8,
    /// Setup words.
    pub setup: Vec<u16>,
}

/// A TRANSACTION or TRANSACTION2 response: a (part of a) reply, or the interim response
/// that invites the client to send secondary requests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransResponseBody {
    /// WordCount 0, ByteCount 0, success: send the rest of the request.
    Interim,
    /// A (part of the) response.
    Reply {
        /// Counts, displacements, setup.
        header: TransResponseHeader,
        /// Parameters and data of this part.
        payload: TransPayload,
    },
}

impl Default for TransResponseBody {
    fn default() -> Self {
        TransResponseBody::Reply {
            header: TransResponseHeader::default(),
            payload: TransPayload::default(),
        }
    }
}

impl TransResponseBody {
    /// A single-part reply with canonical layout.
    pub fn reply(setup: Vec<u16>, parameters: Bytes, data: Bytes) -> Self {
        TransResponseBody::Reply {
            header: TransResponseHeader {
                total_parameter_count: parameters.len() as u16,
                total_data_count: data.len() as u16,
                setup,
                ..Default::default()
            },
            payload: TransPayload::new(parameters, data),
        }
    }

    pub(crate) fn decode_body(b: &mut BlockDecoder<'_>) -> Result<Self, DecodeError> {
        if b.word_count == 0 {
            return Ok(TransResponseBody::Interim);
        }
        if b.word_count < 10 {
            return Err(DecodeError::invalid(
                "WordCount",
                b.params.pos().saturating_sub(1),
            ));
        }
        let p = &mut b.params;
        let mut h = TransResponseHeader {
            total_parameter_count: p.u16("TotalParameterCount")?,
            total_data_count: p.u16("TotalDataCount")?,
            reserved1: p.u16("Reserved1")?,
            ..Default::default()
        };
        let param_count = p.u16("ParameterCount")? as usize;
        let param_offset = p.u16("ParameterOffset")? as usize;
        h.parameter_displacement = p.u16("ParameterDisplacement")?;
        let data_count = p.u16("DataCount")? as usize;
        let data_offset = p.u16("DataOffset")? as usize;
        h.data_displacement = p.u16("DataDisplacement")?;
        let setup_count = p.u8("SetupCount")? as usize;
        h.reserved2 = p.u8("Reserved2")?;
        if 10 + setup_count != b.word_count as usize {
            return Err(DecodeError::invalid("SetupCount", p.pos() - 2));
        }
        h.setup = (0..setup_count)
            .map(|_| p.u16("Setup"))
            .collect::<Result<_, _>>()?;
        let payload = TransPayload::decode(b, param_count, param_offset, data_count, data_offset)?;
        Ok(TransResponseBody::Reply { header: h, payload })
    }

    pub(crate) fn encode_body(&self, b: &mut BlockEncoder<'_>) {
        let TransResponseBody::Reply { header: h, payload } = self else {
            b.start_data();
            return;
        };
        let w = &mut b.w;
        w.u16(h.total_parameter_count);
        w.u16(h.total_data_count);
        w.u16(h.reserved1);
        w.u16(payload.parameters.len() as u16);
        let po = w.placeholder_u16();
        w.u16(h.parameter_displacement);
        w.u16(payload.data.len() as u16);
        let dof = w.placeholder_u16();
        w.u16(h.data_displacement);
        w.u8(h.setup.len() as u8);
        w.u8(h.reserved2);
        for s in &h.setup {
            w.u16(*s);
        }
        b.start_data();
        let (p_off, d_off) = payload.encode(b.w);
        b.w.patch_u16(po, p_off as u16);
        b.w.patch_u16(dof, d_off as u16);
    }
}

/// TRANSACTION request (named pipes, mailslots, RAP over `\PIPE\LANMAN`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TransactionRequest {
    /// Counts, limits, setup.
    pub header: TransRequestHeader,
    /// The transaction name, e.g. `\PIPE\LANMAN`.
    pub name: String,
    /// Parameters and data.
    pub payload: TransPayload,
}

impl Body for TransactionRequest {
    const COMMAND: Command = Command::TRANSACTION;

    fn decode(b: &mut BlockDecoder<'_>) -> Result<Self, DecodeError> {
        let (header, c) = decode_request_words(b)?;
        let unicode = b.unicode();
        let name = read_aligned_str(&mut b.data, unicode, "Name")?;
        let payload = TransPayload::decode(
            b,
            c.param_count,
            c.param_offset,
            c.data_count,
            c.data_offset,
        )?;
        Ok(Self {
            header,
            name,
            payload,
        })
    }

    fn encode(&self, b: &mut BlockEncoder<'_>) {
        let unicode = b.unicode();
        let (po, dof) = encode_request_words(b, &self.header, &self.payload);
        b.start_data();
        write_aligned_str(b.w, &self.name, unicode);
        let (p_off, d_off) = self.payload.encode(b.w);
        b.w.patch_u16(po, p_off as u16);
        b.w.patch_u16(dof, d_off as u16);
    }
}

/// TRANSACTION response.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TransactionResponse(pub TransResponseBody);

impl Body for TransactionResponse {
    const COMMAND: Command = Command::TRANSACTION;

    fn decode(b: &mut BlockDecoder<'_>) -> Result<Self, DecodeError> {
        TransResponseBody::decode_body(b).map(Self)
    }

    fn encode(&self, b: &mut BlockEncoder<'_>) {
        self.0.encode_body(b)
    }
}

/// Reassembles a transaction sent in several parts (secondary requests or multi-part
/// responses), refusing totals above a limit before allocating.
#[derive(Debug, Clone)]
pub struct TransAssembler {
    params: Vec<u8>,
    data: Vec<u8>,
    params_got: usize,
    data_got: usize,
    params_filled: Vec<(usize, usize)>,
    data_filled: Vec<(usize, usize)>,
}

/// Why a transaction part was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AssembleError {
    /// The announced totals exceed the limit.
    #[error("transaction of {0} bytes exceeds the limit")]
    TooLarge(usize),
    /// A part falls outside the announced totals, overlaps another, or the totals changed.
    #[error("transaction part out of range or overlapping")]
    BadPart,
}

impl TransAssembler {
    /// Starts a transaction with the announced totals (checked against `limit` first).
    pub fn new(
        total_params: usize,
        total_data: usize,
        limit: usize,
    ) -> Result<Self, AssembleError> {
        let total = total_params.saturating_add(total_data);
        if total > limit {
            return Err(AssembleError::TooLarge(total));
        }
        Ok(Self {
            params: alloc::vec![0; total_params],
            data: alloc::vec![0; total_data],
            params_got: 0,
            data_got: 0,
            params_filled: Vec::new(),
            data_filled: Vec::new(),
        })
    }

    fn put(
        buf: &mut [u8],
        filled: &mut Vec<(usize, usize)>,
        got: &mut usize,
        disp: usize,
        part: &[u8],
    ) -> Result<(), AssembleError> {
        if part.is_empty() {
            return Ok(());
        }
        let end = disp.checked_add(part.len()).ok_or(AssembleError::BadPart)?;
        if end > buf.len()
            || filled.iter().any(|&(s, e)| disp < e && s < end)
            || filled.len() > 4096
        {
            return Err(AssembleError::BadPart);
        }
        buf[disp..end].copy_from_slice(part);
        filled.push((disp, end));
        *got += part.len();
        Ok(())
    }

    /// Adds one part.
    pub fn add(
        &mut self,
        param_disp: usize,
        params: &[u8],
        data_disp: usize,
        data: &[u8],
    ) -> Result<(), AssembleError> {
        Self::put(
            &mut self.params,
            &mut self.params_filled,
            &mut self.params_got,
            param_disp,
            params,
        )?;
        Self::put(
            &mut self.data,
            &mut self.data_filled,
            &mut self.data_got,
            data_disp,
            data,
        )
    }

    /// Whether every byte has arrived.
    pub fn is_complete(&self) -> bool {
        self.params_got == self.params.len() && self.data_got == self.data.len()
    }

    /// The reassembled parameters and data.
    pub fn finish(self) -> (Bytes, Bytes) {
        (Bytes::from(self.params), Bytes::from(self.data))
    }
}
