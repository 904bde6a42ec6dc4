//! SMB messages: the header, then one command block or an AndX chain of blocks.
//!
//! Each block is `WordCount, Words, ByteCount, Bytes`. For AndX commands the first four
//! bytes of `Words` are the AndX header (next command, reserved, offset of the next block),
//! which this module reads and writes; the typed body of each command only sees the words
//! after it.
//!
//! A typed body implements [`Body`]: it decodes from a [`BlockDecoder`] (readers over its
//! parameter words and its data bytes, positions absolute from the SMB header) and encodes
//! into a [`BlockEncoder`]. Anything a sender put into a block beyond what the body reads is
//! kept in [`BlockExtra`], so a decoded message re-encodes to the same bytes.

use alloc::vec::Vec;
use bytes::Bytes;
use core::fmt;

use super::codec::{DecodeError, DecodeErrorKind, Pad, Reader, Writer};
use super::header::{Command, Flags2, HEADER_LEN, Header};
use super::netbios::{NBSS_HEADER_LEN, Transport, packet_type, write_header};

/// Most blocks accepted in one AndX chain.
pub const MAX_CHAIN: usize = 16;

/// Decoding context and readers for one command block.
pub struct BlockDecoder<'a> {
    /// The message header.
    pub header: &'a Header,
    /// The command of this block.
    pub command: Command,
    /// The WordCount byte as received (AndX words included).
    pub word_count: u8,
    /// The ByteCount as received.
    pub byte_count: u16,
    /// Parameter words after the AndX header (if any).
    pub params: Reader<'a>,
    /// Data bytes, delimited by ByteCount.
    pub data: Reader<'a>,
    /// Whether this block is the first of the message.
    pub first: bool,
    /// Set by a body whose block does not end where WordCount/ByteCount say (the NT_CREATE
    /// extended response, large reads): the absolute end of the block.
    pub end: Option<usize>,
}

impl<'a> BlockDecoder<'a> {
    /// Whether strings are Unicode.
    pub fn unicode(&self) -> bool {
        self.header.flags2.is_unicode()
    }

    /// The header's Flags2.
    pub fn flags2(&self) -> Flags2 {
        self.header.flags2
    }

    /// The whole message (positions are absolute offsets into it).
    pub fn message(&self) -> &'a Bytes {
        self.params.buffer()
    }

    /// Number of parameter words after the AndX header.
    pub fn words(&self) -> usize {
        let andx = if self.command.is_andx() { 2 } else { 0 };
        (self.word_count as usize).saturating_sub(andx)
    }

    /// Fails unless the WordCount is one of `allowed`.
    pub fn expect_word_count(&self, allowed: &[u8]) -> Result<(), DecodeError> {
        if allowed.contains(&self.word_count) {
            Ok(())
        } else {
            Err(DecodeError::invalid(
                "WordCount",
                self.params.pos().saturating_sub(1),
            ))
        }
    }
}

impl fmt::Debug for BlockDecoder<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BlockDecoder")
            .field("command", &self.command)
            .field("word_count", &self.word_count)
            .field("byte_count", &self.byte_count)
            .finish_non_exhaustive()
    }
}

/// Encoding context for one command block.
///
/// The body writes its parameter words, calls [`BlockEncoder::start_data`], then writes its
/// data bytes. WordCount and ByteCount are filled in afterwards.
pub struct BlockEncoder<'a> {
    /// The output; positions count from the SMB header.
    pub w: &'a mut Writer,
    unicode: bool,
    wc_at: usize,
    bc_at: Option<usize>,
    byte_count: Option<u16>,
    word_count: Option<u8>,
    extra_params: &'a [u8],
}

impl BlockEncoder<'_> {
    /// Whether strings are Unicode.
    pub fn unicode(&self) -> bool {
        self.unicode
    }

    /// Ends the parameter words and begins the data bytes.
    pub fn start_data(&mut self) {
        if self.bc_at.is_some() {
            return;
        }
        self.w.bytes(self.extra_params);
        let words = (self.w.pos() - self.wc_at - 1) / 2;
        let wc = self.word_count.unwrap_or(words as u8);
        self.w.patch_u8(self.wc_at, wc);
        self.bc_at = Some(self.w.placeholder_u16());
    }

    /// Position where the data bytes start (after ByteCount), once [`start_data`] was called
    /// or, before that, assuming the words end at the current position.
    ///
    /// [`start_data`]: BlockEncoder::start_data
    pub fn data_start(&self) -> usize {
        match self.bc_at {
            Some(bc) => bc + 2,
            None => self.w.pos() + self.extra_params.len() + 2,
        }
    }

    /// Overrides the WordCount written (the NT_CREATE_ANDX extended response declares 42
    /// words but carries 50). Call before [`BlockEncoder::start_data`].
    pub fn set_word_count(&mut self, wc: u8) {
        self.word_count = Some(wc);
    }

    /// Overrides the ByteCount written (e.g. the truncated count of a large read).
    pub fn set_byte_count(&mut self, bc: u16) {
        self.byte_count = Some(bc);
    }
}

/// A command body with its own codec.
pub trait Body: Sized {
    /// The command code.
    const COMMAND: Command;
    /// Decodes the body from a block.
    fn decode(b: &mut BlockDecoder<'_>) -> Result<Self, DecodeError>;
    /// Encodes the body into a block.
    fn encode(&self, b: &mut BlockEncoder<'_>);
}

/// What a block held beyond its typed body, kept so that messages re-encode byte for byte.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BlockExtra {
    /// Parameter bytes after those the body reads.
    pub params: Bytes,
    /// Data bytes after those the body reads.
    pub data: Bytes,
    /// The AndX reserved byte.
    pub andx_reserved: u8,
    /// The AndXOffset written when this is the last block (usually 0).
    pub andx_end_offset: u16,
    /// Bytes between the end of the previous block and this one.
    pub gap: Pad,
}

/// A block: a typed body and what came with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block<B> {
    /// The typed body.
    pub body: B,
    /// Untyped remainder, for exact re-encoding.
    pub extra: BlockExtra,
}

/// A block of a command this crate has no typed codec for, or a body it could not type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawBlock {
    /// The command code.
    pub command: Command,
    /// Parameter words (after the AndX header for AndX commands).
    pub words: Bytes,
    /// Data bytes.
    pub data: Bytes,
}

impl RawBlock {
    fn decode(b: &mut BlockDecoder<'_>) -> Self {
        RawBlock {
            command: b.command,
            words: b.params.rest(),
            data: b.data.rest(),
        }
    }

    fn encode(&self, b: &mut BlockEncoder<'_>) {
        b.w.bytes(&self.words);
        b.start_data();
        b.w.bytes(&self.data);
    }
}

/// The body of an error response: WordCount 0 and ByteCount 0; the status is in the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorResponse {
    /// The command this error answers.
    pub command: Command,
}

/// A body type that can stand in a message: the [`Request`](super::msg::Request) and
/// [`Response`](super::msg::Response) enums.
pub trait MessageBody: Sized {
    /// Whether this body type is a response (error blocks exist only in responses).
    const IS_RESPONSE: bool;
    /// The command code of this body.
    fn command(&self) -> Command;
    /// The body of an error block (WordCount 0, ByteCount 0, non-success status).
    fn error_body(command: Command) -> Self;
    /// Whether this body is an error block.
    fn is_error(&self) -> bool;
    /// Decodes the body of the block for `b.command`.
    fn decode_block(b: &mut BlockDecoder<'_>) -> Result<Self, DecodeError>;
    /// Encodes the body.
    fn encode_block(&self, b: &mut BlockEncoder<'_>);
}

/// An SMB message: header, one or more blocks, and any bytes after the last block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message<B> {
    /// The header.
    pub header: Header,
    /// The command blocks (more than one only for AndX chains).
    pub blocks: Vec<Block<B>>,
    /// Bytes after the last block that no field accounts for.
    pub trailing: Bytes,
}

impl<B: MessageBody> Message<B> {
    /// A message with one block.
    pub fn new(header: Header, body: B) -> Self {
        Self {
            header,
            blocks: alloc::vec![Block {
                body,
                extra: BlockExtra::default(),
            }],
            trailing: Bytes::new(),
        }
    }

    /// Appends a block to the AndX chain.
    pub fn and_then(mut self, body: B) -> Self {
        self.blocks.push(Block {
            body,
            extra: BlockExtra::default(),
        });
        self
    }

    /// The command of the first block.
    pub fn command(&self) -> Command {
        self.blocks
            .first()
            .map_or(Command::NO_ANDX_COMMAND, |b| b.body.command())
    }

    /// The first block's body.
    pub fn body(&self) -> &B {
        &self.blocks[0].body
    }

    /// The bodies of all blocks.
    pub fn bodies(&self) -> impl Iterator<Item = &B> {
        self.blocks.iter().map(|b| &b.body)
    }

    /// Decodes an SMB message (starting at `\xFFSMB`).
    pub fn decode(msg: &Bytes) -> Result<Self, DecodeError> {
        let mut r = Reader::new(msg);
        let (command, header) = Header::decode(&mut r)?;
        let mut blocks = Vec::new();
        let mut command = command;
        let mut at = HEADER_LEN;
        let mut end_of_prev = HEADER_LEN;
        let end;
        loop {
            if blocks.len() >= MAX_CHAIN {
                return Err(DecodeError::new(
                    DecodeErrorKind::TooLarge,
                    "AndXCommand",
                    at,
                ));
            }
            let gap = if at == end_of_prev {
                Pad::default()
            } else {
                Pad(Some(msg.slice(end_of_prev..at)))
            };
            let mut hr = Reader::range(msg, at, msg.len() - at, "WordCount")?;
            let word_count = hr.u8("WordCount")?;
            let words_start = hr.pos();
            hr.skip(2 * word_count as usize, "Words")?;
            let byte_count = hr.u16("ByteCount")?;
            let data_start = hr.pos();
            // ByteCount may understate a large read's data; the body reads past it via
            // offsets. Here the data reader is bounded by ByteCount or the message end.
            let data_len = (byte_count as usize).min(msg.len() - data_start);
            let mut params = Reader::range(msg, words_start, 2 * word_count as usize, "Words")?;
            let is_error_block = B::IS_RESPONSE
                && word_count == 0
                && byte_count == 0
                && !header.nt_status().is_success();
            let mut next = None;
            let mut andx_reserved = 0;
            let mut andx_end_offset = 0;
            if command.is_andx() && !is_error_block && word_count >= 2 {
                let c = params.u8("AndXCommand")?;
                andx_reserved = params.u8("AndXReserved")?;
                let off = params.u16("AndXOffset")?;
                if c == Command::NO_ANDX_COMMAND.0 {
                    andx_end_offset = off;
                } else {
                    next = Some((Command(c), off as usize));
                }
            }
            let data = Reader::range(msg, data_start, data_len, "Bytes")?;
            let mut bd = BlockDecoder {
                header: &header,
                command,
                word_count,
                byte_count,
                params,
                data,
                first: blocks.is_empty(),
                end: None,
            };
            let body = if is_error_block {
                B::error_body(command)
            } else {
                B::decode_block(&mut bd)?
            };
            let extra_params = bd.params.rest();
            let data_end = data_start + byte_count as usize;
            let (extra_data, block_end) = if let Some(end) = bd.end {
                (Bytes::new(), end)
            } else if bd.data.pos() >= data_end {
                (Bytes::new(), bd.data.pos())
            } else {
                let p = bd.data.pos();
                if data_end > msg.len() {
                    return Err(DecodeError::truncated("Bytes", p));
                }
                (msg.slice(p..data_end), data_end)
            };
            blocks.push(Block {
                body,
                extra: BlockExtra {
                    params: extra_params,
                    data: extra_data,
                    andx_reserved,
                    andx_end_offset,
                    gap,
                },
            });
            match next {
                Some((c, off)) => {
                    if off < block_end || off >= msg.len() {
                        return Err(DecodeError::invalid("AndXOffset", words_start + 2));
                    }
                    command = c;
                    end_of_prev = block_end;
                    at = off;
                }
                None => {
                    end = block_end;
                    break;
                }
            }
        }
        let trailing = msg.slice(end.min(msg.len())..);
        Ok(Message {
            header,
            blocks,
            trailing,
        })
    }

    /// Encodes the message into `w`, whose position 0 must be the start of the SMB header.
    pub fn encode_into(&self, w: &mut Writer) {
        let unicode = self.header.flags2.is_unicode();
        self.header.encode(self.command(), w);
        let mut prev_andx: Option<usize> = None;
        for (i, block) in self.blocks.iter().enumerate() {
            if let Some(andx_at) = prev_andx.take() {
                block.extra.gap.write(w, 0);
                w.patch_u8(andx_at, block.body.command().0);
                w.patch_u16(andx_at + 2, w.pos() as u16);
            }
            let wc_at = w.pos();
            w.u8(0);
            let is_error = block.body.is_error();
            if block.body.command().is_andx() && !is_error {
                prev_andx = Some(w.pos());
                w.u8(Command::NO_ANDX_COMMAND.0);
                w.u8(block.extra.andx_reserved);
                w.u16(block.extra.andx_end_offset);
            }
            let mut be = BlockEncoder {
                w,
                unicode,
                wc_at,
                bc_at: None,
                byte_count: None,
                word_count: None,
                extra_params: &block.extra.params,
            };
            block.body.encode_block(&mut be);
            be.start_data();
            let bc_at = be.bc_at.unwrap_or_default();
            let forced = be.byte_count;
            be.w.bytes(&block.extra.data);
            let bc = forced.unwrap_or((be.w.pos() - bc_at - 2) as u16);
            be.w.patch_u16(bc_at, bc);
            if i + 1 == self.blocks.len() {
                break;
            }
        }
        w.bytes(&self.trailing);
    }

    /// Encodes the SMB message alone (no transport header).
    pub fn encode(&self) -> Bytes {
        let mut w = Writer::with_capacity(256);
        self.encode_into(&mut w);
        w.freeze()
    }

    /// Encodes the message behind a 4-byte session message header. Returns the head (with
    /// the transport header) and a zero-copy payload tail, if a body appended one.
    pub fn encode_framed(&self, transport: Transport) -> (bytes::BytesMut, Option<Bytes>) {
        let mut w = Writer::with_capacity(256);
        w.zeros(NBSS_HEADER_LEN);
        w.set_base_here();
        self.encode_into(&mut w);
        let len = w.pos();
        let (mut head, tail) = w.into_parts();
        write_header(
            &mut head[..4],
            packet_type::SESSION_MESSAGE,
            len,
            transport,
            0,
        );
        (head, tail)
    }
}

/// Decodes and encodes raw blocks for unknown commands; used by the body enums.
pub fn decode_raw(b: &mut BlockDecoder<'_>) -> RawBlock {
    RawBlock::decode(b)
}

/// Encodes a raw block; used by the body enums.
pub fn encode_raw(raw: &RawBlock, b: &mut BlockEncoder<'_>) {
    raw.encode(b)
}
