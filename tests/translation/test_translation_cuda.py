"""CUDA translations: without a GPU they are at most compiled and never pass; on a GPU worker
they run (the `gpu` test)."""

from __future__ import annotations

import shutil
from dataclasses import asdict

import pytest
import translation_cases as cases

from assay.schemas.records import Status
from assay.verifiers.translation import TranslationChecker, TranslationItem
from assay.verifiers.translation.gpu import gpu_present

CUDA_SUM = """
#include <vector>
#include <cuda_runtime.h>
__global__ void partial(const double *x, size_t n, double *out) {
    double s = 0.0;
    for (size_t i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += blockDim.x * gridDim.x)
        s += x[i];
    atomicAdd(out, s);
}
double total(std::vector<double> const& x) {
    double *dx, *dout, result = 0.0;
    cudaMalloc(&dx, x.size() * sizeof(double));
    cudaMalloc(&dout, sizeof(double));
    cudaMemcpy(dx, x.data(), x.size() * sizeof(double), cudaMemcpyHostToDevice);
    cudaMemcpy(dout, &result, sizeof(double), cudaMemcpyHostToDevice);
    partial<<<64, 256>>>(dx, x.size(), dout);
    cudaMemcpy(&result, dout, sizeof(double), cudaMemcpyDeviceToHost);
    cudaFree(dx);
    cudaFree(dout);
    return result;
}
"""


def cuda_item() -> TranslationItem:
    return TranslationItem(**cases.sum_item(CUDA_SUM, [cases.sum_test(1 << 16)], target="cuda"))


@pytest.mark.slow  # nvcc takes ~10 s per compile here
def test_cuda_without_gpu_is_compiled_but_not_verified(sandbox, limits) -> None:
    if shutil.which("nvcc") is None:
        pytest.skip("nvcc is not installed")
    verdict = TranslationChecker().check(cuda_item(), sandbox, limits)
    assert verdict.status is Status.NOT_VERIFIED
    assert verdict.evidence["level"] == "compiled"


def test_cuda_without_nvcc_or_gpu_never_passes(sandbox, limits) -> None:
    if shutil.which("nvcc") is not None:
        pytest.skip("nvcc is installed: the slow test covers the compiled case")
    verdict = TranslationChecker().check(cuda_item(), sandbox, limits)
    assert verdict.status is Status.NOT_VERIFIED
    assert verdict.evidence["level"] == "none"


@pytest.mark.gpu
def test_cuda_on_a_gpu_worker(limits) -> None:
    if not gpu_present():
        pytest.skip("needs an NVIDIA GPU (nvidia-smi) and nvcc")
    ray = pytest.importorskip("ray")
    from assay.workers.gpu import gpu_translation_worker as gpu_worker

    ray.init(address="local", num_cpus=1, num_gpus=1, include_dashboard=False)
    try:
        worker = gpu_worker()
        got = ray.get(worker.check.remote(cuda_item().model_dump(), asdict(limits)))
    finally:
        ray.shutdown()
    assert got["status"] == Status.PASS, got
    assert got["evidence"]["level"] == "ran_gpu"
