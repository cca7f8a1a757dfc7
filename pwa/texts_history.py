"""The history screen's words (merged into pwa.texts, where a key may appear only once)."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "history_title": {"ca": "Moviments", "es": "Movimientos", "en": "History"},
    "history_sign_in": {
        "ca": "Entra per veure els moviments del teu moneder.",
        "es": "Entra para ver los movimientos de tu monedero.",
        "en": "Sign in to see your wallet's history.",
    },
    "history_of": {
        "ca": "Compte: {account}",
        "es": "Cuenta: {account}",
        "en": "Account: {account}",
    },
    "history_filters": {"ca": "Filtres", "es": "Filtros", "en": "Filters"},
    "history_kind": {"ca": "Tipus", "es": "Tipo", "en": "Kind"},
    "history_all_kinds": {"ca": "Tots", "es": "Todos", "en": "All"},
    "history_direction": {"ca": "Sentit", "es": "Sentido", "en": "Direction"},
    "history_both": {
        "ca": "Entrades i sortides",
        "es": "Entradas y salidas",
        "en": "In and out",
    },
    "history_in": {"ca": "Entrades", "es": "Entradas", "en": "Money in"},
    "history_out": {"ca": "Sortides", "es": "Salidas", "en": "Money out"},
    "history_from": {"ca": "Des del dia", "es": "Desde el día", "en": "From"},
    "history_to": {
        "ca": "Fins al dia (inclòs)",
        "es": "Hasta el día (incluido)",
        "en": "To (included)",
    },
    "history_search": {"ca": "Cerca", "es": "Buscar", "en": "Search"},
    "history_search_hint": {
        "ca": "Al concepte o al nom o l'àlies de l'altra part.",
        "es": "En el concepto o en el nombre o el alias de la otra parte.",
        "en": "In the note, or the other party's name or handle.",
    },
    "history_apply": {"ca": "Filtra", "es": "Filtrar", "en": "Apply"},
    "history_clear": {"ca": "Treu els filtres", "es": "Quitar los filtros", "en": "Clear filters"},
    "history_empty": {
        "ca": "Encara no hi ha cap moviment.",
        "es": "Todavía no hay ningún movimiento.",
        "en": "No transactions yet.",
    },
    "history_none_match": {
        "ca": "Cap moviment no coincideix amb aquests filtres.",
        "es": "Ningún movimiento coincide con estos filtros.",
        "en": "No transactions match these filters.",
    },
    "history_more": {"ca": "Carrega'n més", "es": "Cargar más", "en": "Load more"},
    "history_loading": {"ca": "Carregant…", "es": "Cargando…", "en": "Loading…"},
    "history_failed": {
        "ca": "No s'han pogut carregar els moviments. Torna-ho a provar.",
        "es": "No se han podido cargar los movimientos. Vuelve a intentarlo.",
        "en": "The history could not be loaded. Try again.",
    },
    "history_details": {"ca": "Detalls", "es": "Detalles", "en": "Details"},
    "history_from_account": {"ca": "De", "es": "De", "en": "From"},
    "history_to_account": {"ca": "A", "es": "A", "en": "To"},
    "history_reason": {"ca": "Motiu", "es": "Motivo", "en": "Reason"},
    "history_id": {"ca": "Identificador", "es": "Identificador", "en": "Transaction ID"},
    "history_sealing": {
        "ca": "El registre encara l'ha de segellar: torna a obrir-ho d'aquí a un moment.",
        "es": "El registro todavía tiene que sellarlo: vuelve a abrirlo en un momento.",
        "en": "The ledger has yet to seal it: open it again in a moment.",
    },
    "history_statement": {"ca": "Extracte", "es": "Extracto", "en": "Statement"},
    "history_statement_period": {
        "ca": "Del {start} al {end}, tots els moviments.",
        "es": "Del {start} al {end}, todos los movimientos.",
        "en": "From {start} to {end}, every transaction.",
    },
    "history_statement_download": {
        "ca": "Descarrega l'extracte (CSV)",
        "es": "Descargar el extracto (CSV)",
        "en": "Download the statement (CSV)",
    },
}

PROBLEMS: dict[str, dict[str, str]] = {
    "HISTORY_BAD_DATE": {
        "ca": "Posa una data com 31/03/2026.",
        "es": "Pon una fecha como 31/03/2026.",
        "en": "Give a date such as 31/03/2026.",
    },
    "HISTORY_BAD_PERIOD": {
        "ca": "El primer dia ha de ser abans de l'últim, o el mateix.",
        "es": "El primer día tiene que ser anterior al último, o el mismo.",
        "en": "The first day must come before the last, or be the same.",
    },
}
