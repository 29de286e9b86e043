"""Verilog designs verified by assay's own differential simulation (iverilog) in the sandbox."""

from assay.verifiers.verilog.config import SimConfig
from assay.verifiers.verilog.differential import check
from assay.verifiers.verilog.ports import Port, PortError, parse_ports
from assay.verifiers.verilog.verifier import VerilogItem, VerilogVerifier

__all__ = [
    "Port",
    "PortError",
    "SimConfig",
    "VerilogItem",
    "VerilogVerifier",
    "check",
    "parse_ports",
]
