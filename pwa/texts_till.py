"""The till screen's words (merged into pwa.texts, where a key may appear only once).

The till's own answers to API error codes are texts named `till_problem_<CODE>` (a
refund or a cancel needs other words than a payment); codes without one fall back to
pwa.texts' PROBLEMS.
"""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "till_sign_in": {
        "ca": "Entra per obrir la caixa de la botiga.",
        "es": "Entra para abrir la caja de la tienda.",
        "en": "Sign in to open the shop's till.",
    },
    "till_not_business": {
        "ca": "La caixa és dels comptes de botiga. Canvia al compte de la teva botiga a Comptes.",
        "es": "La caja es de las cuentas de tienda. Cambia a la cuenta de tu tienda en Cuentas.",
        "en": "The till belongs to shop accounts. Switch to your shop's account in Accounts.",
    },
    "till_of": {
        "ca": "{account} · {role}",
        "es": "{account} · {role}",
        "en": "{account} · {role}",
    },
    "till_role_OWNER": {"ca": "propietari", "es": "propietario", "en": "owner"},
    "till_role_MANAGER": {"ca": "gerent", "es": "gerente", "en": "manager"},
    "till_role_CASHIER": {"ca": "caixer", "es": "cajero", "en": "cashier"},
    "till_charge_title": {"ca": "Cobrar", "es": "Cobrar", "en": "Charge"},
    "till_charge_intro": {
        "ca": "Escriu l'import: el client escaneja el codi QR i paga amb el seu PIN.",
        "es": "Escribe el importe: el cliente escanea el código QR y paga con su PIN.",
        "en": "Type the amount: the customer scans the QR code and pays with their PIN.",
    },
    "till_reference": {
        "ca": "Referència (opcional, per exemple el número del tiquet)",
        "es": "Referencia (opcional, por ejemplo el número del tique)",
        "en": "Reference (optional, for example the receipt number)",
    },
    "till_description": {
        "ca": "Descripció (opcional, la veu qui paga)",
        "es": "Descripción (opcional, la ve quien paga)",
        "en": "Description (optional, the payer sees it)",
    },
    "till_charge_submit": {
        "ca": "Mostra el codi per cobrar",
        "es": "Mostrar el código para cobrar",
        "en": "Show the code to charge",
    },
    "till_charging": {"ca": "Preparant…", "es": "Preparando…", "en": "Preparing…"},
    "till_qr": {
        "ca": "Codi QR per pagar {amount} a {account}",
        "es": "Código QR para pagar {amount} a {account}",
        "en": "QR code to pay {amount} to {account}",
    },
    "till_link": {
        "ca": "O envia aquest enllaç:",
        "es": "O envía este enlace:",
        "en": "Or send this link:",
    },
    "till_expires": {
        "ca": "Es pot pagar fins a: {when}",
        "es": "Se puede pagar hasta: {when}",
        "en": "Can be paid until: {when}",
    },
    "till_waiting": {
        "ca": "Esperant el pagament…",
        "es": "Esperando el pago…",
        "en": "Waiting for the payment…",
    },
    "till_paid": {
        "ca": "Pagat: {amount}. Gràcies!",
        "es": "Pagado: {amount}. ¡Gracias!",
        "en": "Paid: {amount}. Thank you!",
    },
    "till_ended_CANCELED": {
        "ca": "Cobrament cancel·lat: ja no es pot pagar.",
        "es": "Cobro cancelado: ya no se puede pagar.",
        "en": "Charge canceled: it can no longer be paid.",
    },
    "till_ended_EXPIRED": {
        "ca": "El temps per pagar s'ha acabat.",
        "es": "El tiempo para pagar se ha acabado.",
        "en": "The time to pay is over.",
    },
    "till_cancel": {
        "ca": "Cancel·la el cobrament",
        "es": "Cancelar el cobro",
        "en": "Cancel the charge",
    },
    "till_new_charge": {"ca": "Cobrament nou", "es": "Cobro nuevo", "en": "New charge"},
    "till_see_order": {
        "ca": "Detalls del cobrament",
        "es": "Detalles del cobro",
        "en": "Charge details",
    },
    "till_orders": {"ca": "Cobraments", "es": "Cobros", "en": "Charges"},
    "till_filter": {"ca": "Mostra", "es": "Mostrar", "en": "Show"},
    "till_filter_all": {"ca": "Tots", "es": "Todos", "en": "All"},
    "till_no_orders": {
        "ca": "Encara no hi ha cap cobrament.",
        "es": "Todavía no hay ningún cobro.",
        "en": "No charges yet.",
    },
    "till_more": {"ca": "Mostra'n més", "es": "Mostrar más", "en": "Show more"},
    "till_refunded": {
        "ca": "Retornat {amount}",
        "es": "Devuelto {amount}",
        "en": "Refunded {amount}",
    },
    "till_no_reference": {"ca": "Sense referència", "es": "Sin referencia", "en": "No reference"},
    "till_received": {
        "ca": "Tots els pagaments rebuts al compte, també els que no són d'un cobrament, són a "
        "l'historial.",
        "es": "Todos los pagos recibidos en la cuenta, también los que no son de un cobro, "
        "están en el historial.",
        "en": "Every payment the account received, including those without a charge, is in "
        "the history.",
    },
    "till_received_link": {
        "ca": "Pagaments rebuts",
        "es": "Pagos recibidos",
        "en": "Payments received",
    },
    "till_back": {"ca": "Torna a la caixa", "es": "Volver a la caja", "en": "Back to the till"},
    "till_order_title": {"ca": "Cobrament", "es": "Cobro", "en": "Charge"},
    "till_order_missing": {
        "ca": "Aquest cobrament no existeix o no és de la teva botiga.",
        "es": "Este cobro no existe o no es de tu tienda.",
        "en": "This charge does not exist or is not your shop's.",
    },
    "till_status": {"ca": "Estat", "es": "Estado", "en": "Status"},
    "till_reference_short": {"ca": "Referència", "es": "Referencia", "en": "Reference"},
    "till_description_short": {"ca": "Descripció", "es": "Descripción", "en": "Description"},
    "till_created": {"ca": "Creat", "es": "Creado", "en": "Created"},
    "till_expires_short": {"ca": "Caduca", "es": "Caduca", "en": "Expires"},
    "till_paid_at": {"ca": "Pagat", "es": "Pagado", "en": "Paid"},
    "till_refunded_short": {"ca": "Retornat", "es": "Devuelto", "en": "Refunded"},
    "till_remaining": {"ca": "Per retornar", "es": "Por devolver", "en": "Left to refund"},
    "till_refunds": {"ca": "Devolucions", "es": "Devoluciones", "en": "Refunds"},
    "till_no_refunds": {
        "ca": "Cap devolució.",
        "es": "Ninguna devolución.",
        "en": "No refunds.",
    },
    "till_refund_title": {"ca": "Retornar diners", "es": "Devolver dinero", "en": "Refund"},
    "till_refund_amount": {
        "ca": "Import a retornar ({currency})",
        "es": "Importe a devolver ({currency})",
        "en": "Amount to refund ({currency})",
    },
    "till_refund_amount_hint": {
        "ca": "Buit: tot el que queda, {amount}.",
        "es": "Vacío: todo lo que queda, {amount}.",
        "en": "Empty: all that remains, {amount}.",
    },
    "till_refund_reason": {
        "ca": "Motiu (opcional)",
        "es": "Motivo (opcional)",
        "en": "Reason (optional)",
    },
    "till_refund_submit": {"ca": "Retorna", "es": "Devolver", "en": "Refund"},
    "till_refunding": {"ca": "Retornant…", "es": "Devolviendo…", "en": "Refunding…"},
    "till_refund_done": {
        "ca": "Retornat {amount}.",
        "es": "Devuelto {amount}.",
        "en": "Refunded {amount}.",
    },
    "till_refund_staff_only": {
        "ca": "Les devolucions les fan els propietaris i els gerents de la botiga.",
        "es": "Las devoluciones las hacen los propietarios y los gerentes de la tienda.",
        "en": "Refunds are made by the shop's owners and managers.",
    },
    "till_refund_exceeds": {
        "ca": "Només queden {amount} per retornar.",
        "es": "Solo quedan {amount} por devolver.",
        "en": "Only {amount} is left to refund.",
    },
    "till_problem_ORDER_NOT_PAYABLE": {
        "ca": "Aquest cobrament ja no està pendent de pagament.",
        "es": "Este cobro ya no está pendiente de pago.",
        "en": "This charge is no longer waiting for payment.",
    },
    "till_problem_FORBIDDEN": {
        "ca": "El teu paper a la botiga no et permet fer això.",
        "es": "Tu papel en la tienda no te permite hacer esto.",
        "en": "Your role in the shop does not allow this.",
    },
    "till_problem_NOT_FOUND": {
        "ca": "Aquest cobrament no existeix o no és de la teva botiga.",
        "es": "Este cobro no existe o no es de tu tienda.",
        "en": "This charge does not exist or is not your shop's.",
    },
    "till_problem_INSUFFICIENT_FUNDS": {
        "ca": "La botiga no té prou saldo per retornar això.",
        "es": "La tienda no tiene saldo suficiente para devolver esto.",
        "en": "The shop's balance is too low to refund this.",
    },
    "till_problem_INVALID_INPUT": {
        "ca": "Aquest valor no és vàlid.",
        "es": "Este valor no es válido.",
        "en": "This value is not valid.",
    },
    "till_problem_UNAVAILABLE": {
        "ca": "No s'ha pogut connectar. Torna-ho a provar: no es farà dues vegades.",
        "es": "No se ha podido conectar. Vuelve a intentarlo: no se hará dos veces.",
        "en": "Could not connect. Try again: it will not happen twice.",
    },
    "till_problem_refund_not_paid": {
        "ca": "Només es pot retornar un cobrament pagat.",
        "es": "Solo se puede devolver un cobro pagado.",
        "en": "Only a paid charge can be refunded.",
    },
}

PROBLEMS: dict[str, dict[str, str]] = {}
