//! `SMB_COM_NT_TRANSACT` (0xA0) framing: 32-bit counts and offsets, a function code.

use alloc::vec::Vec;

use crate::wire::codec::DecodeError;
use crate::wire::header::Command;
use crate::wire::message::{BlockDecoder, BlockEncoder, Body};

pub use super::transaction::TransPayload;

/// NT_TRANSACT request.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NtTransactRequest {
    /// Most setup words the server may return.
    pub max_setup_count: u8,
    /// Reserved.
    pub reserved1: u16,
    /// Total parameter bytes.
    pub total_parameter_count: u32,
    /// Total data bytes.
    pub total_data_count: u32,
    /// Most parameter bytes to return.
    pub max_parameter_count: u32,
    /// Most data bytes to return.
    pub max_data_count: u32,
    /// The NT_TRANSACT function (1 CREATE, 2 IOCTL, 3 SET_SECURITY_DESC, 4 NOTIFY_CHANGE,
    /// 5 RENAME, 6 QUERY_SECURITY_DESC, ...).
    pub function: u16,
    /// Setup words.
    pub setup: Vec<u16>,
    /// Parameters and data.
    pub payload: TransPayload,
}

impl Body for NtTransactRequest {
    const COMMAND: Command = Command::NT_TRANSACT;

    fn decode(b: &mut BlockDecoder<'_>) -> Result<Self, DecodeError> {
        if b.word_count < 19 {
            return Err(DecodeError::invalid(
                "WordCount",
                b.params.pos().saturating_sub(1),
            ));
        }
        let p = &mut b.params;
        let max_setup_count = p.u8("MaxSetupCount")?;
        let reserved1 = p.u16("Reserved1")?;
        let total_parameter_count = p.u32("TotalParameterCount")?;
        let total_data_count = p.u32("TotalDataCount")?;
        let max_parameter_count = p.u32("MaxParameterCount")?;
        let max_data_count = p.u32("MaxDataCount")?;
        let pc = p.u32("ParameterCount")? as usize;
        let po = p.u32("ParameterOffset")? as usize;
        let dc = p.u32("DataCount")? as usize;
        let dof = p.u32("DataOffset")? as usize;
        let setup_count = p.u8("SetupCount")? as usize;
        let function = p.u16("Function")?;
        if 19 + setup_count != b.word_count as usize {
            return Err(DecodeError::invalid("SetupCount", p.pos() - 3));
        }
        let setup = (0..setup_count)
            .map(|_| p.u16("Setup"))
            .collect::<Result<_, _>>()?;
        let payload = TransPayload::decode(b, pc, po, dc, dof)?;
        Ok(Self {
            max_setup_count,
            reserved1,
            total_parameter_count,
            total_data_count,
            max_parameter_count,
            max_data_count,
            function,
            setup,
            payload,
        })
    }

    fn encode(&self, b: &mut BlockEncoder<'_>) {
        let w = &mut b.w;
        w.u8(self.max_setup_count);
        w.u16(self.reserved1);
        w.u32(self.total_parameter_count);
        w.u32(self.total_data_count);
        w.u32(self.max_parameter_count);
        w.u32(self.max_data_count);
        w.u32(self.payload.parameters.len() as u32);
        let po = w.placeholder_u32();
        w.u32(self.payload.data.len() as u32);
        let dof = w.placeholder_u32();
        w.u8(self.setup.len() as u8);
        w.u16(self.function);
        for s in &self.setup {
            w.u16(*s);
        }
        b.start_data();
        let (p_off, d_off) = self.payload.encode(b.w);
        b.w.patch_u32(po, p_off as u32);
        b.w.patch_u32(dof, d_off as u32);
    }
}

/// NT_TRANSACT response.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum NtTransactResponse {
    /// Interim response (WordCount 0): send the secondary requests.
    #[default]
    Interim,
    /// A (part of the) reply.
    Reply {
        /// Reserved bytes.
        reserved1: [u8; 3],
        /// Total parameter bytes.
        total_parameter_count: u32,
        /// Total data bytes.
        total_data_count: u32,
        /// Displacement of these parameters.
        parameter_displacement: u32,
        /// Displacement of this data.
        data_displacement: u32,
        /// Setup words.
        setup: Vec<u16>,
        /// Parameters and data.
        payload: TransPayload,
    },
}

impl Body for NtTransactResponse {
    const COMMAND: Command = Command::NT_TRANSACT;

    fn decode(b: &mut BlockDecoder<'_>) -> Result<Self, DecodeError> {
        if b.word_count == 0 {
            return Ok(NtTransactResponse::Interim);
        }
        if b.word_count < 18 {
            return Err(DecodeError::invalid(
                "WordCount",
                b.params.pos().saturating_sub(1),
            ));
        }
        let p = &mut b.params;
        let reserved1 = p.array("Reserved1")?;
        let total_parameter_count = p.u32("TotalParameterCount")?;
        let total_data_count = p.u32("TotalDataCount")?;
        let pc = p.u32("ParameterCount")? as usize;
        let po = p.u32("ParameterOffset")? as usize;
        let parameter_displacement = p.u32("ParameterDisplacement")?;
        let dc = p.u32("DataCount")? as usize;
        let dof = p.u32("DataOffset")? as usize;
        let data_displacement = p.u32("DataDisplacement")?;
        let setup_count = p.u8("SetupCount")? as usize;
        if 18 + setup_count != b.word_count as usize {
            return Err(DecodeError::invalid("SetupCount", p.pos() - 1));
        }
        let setup = (0..setup_count)
            .map(|_| p.u16("Setup"))
            .collect::<Result<_, _>>()?;
        let payload = TransPayload::decode(b, pc, po, dc, dof)?;
        Ok(NtTransactResponse::Reply {
            reserved1,
            total_parameter_count,
            total_data_count,
            parameter_displacement,
            data_displacement,
            setup,
            payload,
        })
    }

    fn encode(&self, b: &mut BlockEncoder<'_>) {
        let NtTransactResponse::Reply {
            reserved1,
            total_parameter_count,
            total_data_count,
            parameter_displacement,
            data_displacement,
            setup,
            payload,
        } = self
        else {
            b.start_data();
            return;
        };
        let w = &mut b.w;
        w.bytes(reserved1);
        w.u32(*total_parameter_count);
        w.u32(*total_data_count);
        w.u32(payload.parameters.len() as u32);
        let po = w.placeholder_u32();
        w.u32(*parameter_displacement);
        w.u32(payload.data.len() as u32);
        let dof = w.placeholder_u32();
        w.u32(*data_displacement);
        w.u8(setup.len() as u8);
        for s in setup {
            w.u16(*s);
        }
        b.start_data();
        let (p_off, d_off) = payload.encode(b.w);
        b.w.patch_u32(po, p_off as u32);
        b.w.patch_u32(dof, d_off as u32);
    }
}
