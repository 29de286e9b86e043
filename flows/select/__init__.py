"""Selection: which verified candidates a task keeps. `strategies` ranks solutions on a pass
matrix (CodeT, B4, majority); `choose` applies a configured strategy, filters and cuts."""
