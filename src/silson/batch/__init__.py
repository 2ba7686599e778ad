"""Batch adjudication over tables of events and contracts (Arrow/Parquet), for books of millions.

`tables` defines the columns; `columnar` evaluates with Polars the part of a book it covers;
`scalar` runs the engine person by person for the rest; `evaluate` splits the book between the two
and joins the answers. Both give the engine's figures exactly, to the won."""
