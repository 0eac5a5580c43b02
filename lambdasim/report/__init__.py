"""The decision document: one scenario's comparison as a self-contained HTML page (``lambdasim report``)."""
