"""`cashless`: the command line over the warehouse, the loader, the model and the app; one module per command group."""
