"""The translation domain (MuSL): serial C/C++ sources (ParEval or task files) translated to
OpenMP, with model-written test drivers validated on the serial source and every translation
co-verified against the trusted and validated drivers, for `translation.rounds` rounds in which
testers see the last round's rejected driver and repairers its failing translations."""
