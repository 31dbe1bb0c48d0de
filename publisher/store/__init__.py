"""Where SPARQL is answered: request and result types, the guard, the embedded and remote stores."""
