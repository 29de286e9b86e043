"""Verilog designs verified by assay's own differential simulation (iverilog) in the sandbox."""

from assay.verifiers.verilog.config import FormalConfig, SimConfig
from assay.verifiers.verilog.differential import check
from assay.verifiers.verilog.ports import Port, PortError, parse_ports
from assay.verifiers.verilog.tbcheck import accept, judge
from assay.verifiers.verilog.verifier import (
    VerilogFormalVerifier,
    VerilogItem,
    VerilogProofVerifier,
    VerilogVerifier,
)

__all__ = [
    "FormalConfig",
    "Port",
    "PortError",
    "SimConfig",
    "VerilogFormalVerifier",
    "VerilogItem",
    "VerilogProofVerifier",
    "VerilogVerifier",
    "accept",
    "check",
    "judge",
    "parse_ports",
]
