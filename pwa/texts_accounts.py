"""The accounts screen's words (merged into pwa.texts, where a key may appear only once).

Every key starts with `acc_`. A refusal of the API is worded by the first of
`acc_problem_<form>_<field>_<code>`, `acc_problem_<field>_<code>` that exists, else by the
shared `problem_text` (see pwa/accounts.py `problem_of`)."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "acc_title": {"ca": "Els teus comptes", "es": "Tus cuentas", "en": "Your accounts"},
    "acc_intro": {
        "ca": "El compte actiu és el que paga, cobra i es veu a l'inici del moneder.",
        "es": "La cuenta activa es la que paga, cobra y se ve en el inicio del monedero.",
        "en": "The active account is the one that pays, gets paid and shows on the wallet's home.",
    },
    "acc_kind_PERSONAL": {"ca": "Personal", "es": "Personal", "en": "Personal"},
    "acc_kind_BUSINESS": {"ca": "Empresa", "es": "Empresa", "en": "Business"},
    "acc_kind_ISSUER": {"ca": "Emissor", "es": "Emisor", "en": "Issuer"},
    "acc_role_HOLDER": {"ca": "titular", "es": "titular", "en": "holder"},
    "acc_role_OWNER": {"ca": "propietari", "es": "propietario", "en": "owner"},
    "acc_role_MANAGER": {"ca": "gerent", "es": "gerente", "en": "manager"},
    "acc_role_CASHIER": {"ca": "caixer", "es": "cajero", "en": "cashier"},
    "acc_active": {"ca": "Actiu", "es": "Activa", "en": "Active"},
    "acc_switch": {"ca": "Fes-lo servir", "es": "Usarla", "en": "Use it"},
    "acc_switch_label": {
        "ca": "Fes servir el compte {name}",
        "es": "Usar la cuenta {name}",
        "en": "Use the account {name}",
    },
    "acc_switched": {
        "ca": "Ara fas servir {name}.",
        "es": "Ahora usas {name}.",
        "en": "You are now using {name}.",
    },
    "acc_back_home": {
        "ca": "Torna a l'inici",
        "es": "Volver al inicio",
        "en": "Back to the home screen",
    },
    "acc_sign_in": {
        "ca": "Entra al moneder per veure els teus comptes.",
        "es": "Entra en el monedero para ver tus cuentas.",
        "en": "Sign in to your wallet to see your accounts.",
    },
    "acc_unavailable": {
        "ca": "No s'han pogut carregar els comptes. Torna-ho a provar.",
        "es": "No se han podido cargar las cuentas. Vuelve a intentarlo.",
        "en": "The accounts could not be loaded. Try again.",
    },
    # Creating a business account.
    "acc_new_business": {
        "ca": "Crea un compte d'empresa",
        "es": "Crear una cuenta de empresa",
        "en": "Create a business account",
    },
    "acc_new_business_intro": {
        "ca": "Seràs el propietari del compte. La botiga surt al mapa quan se'n verifiquen les dades.",
        "es": "Serás el propietario de la cuenta. La tienda sale en el mapa cuando se verifican sus datos.",
        "en": "You will own the account. The shop shows on the map once its details are verified.",
    },
    "acc_business_name": {
        "ca": "Nom de l'empresa",
        "es": "Nombre de la empresa",
        "en": "Business name",
    },
    "acc_category": {"ca": "Tipus de negoci", "es": "Tipo de negocio", "en": "Kind of business"},
    "acc_address": {"ca": "Adreça", "es": "Dirección", "en": "Address"},
    "acc_neighbourhood": {
        "ca": "Barri (opcional)",
        "es": "Barrio (opcional)",
        "en": "Neighbourhood (optional)",
    },
    "acc_location": {
        "ca": "Situació al mapa (opcional)",
        "es": "Situación en el mapa (opcional)",
        "en": "Place on the map (optional)",
    },
    "acc_location_hint": {
        "ca": "Si la deixes buida, la botiga comença al centre del mapa; la pots moure des de "
        "la pàgina de la botiga.",
        "es": "Si la dejas vacía, la tienda empieza en el centro del mapa; la puedes mover "
        "desde la página de la tienda.",
        "en": "Left empty, the shop starts in the middle of the map; you can move it from the "
        "shop page.",
    },
    "acc_latitude": {"ca": "Latitud", "es": "Latitud", "en": "Latitude"},
    "acc_longitude": {"ca": "Longitud", "es": "Longitud", "en": "Longitude"},
    "acc_create": {"ca": "Crea el compte", "es": "Crear la cuenta", "en": "Create the account"},
    "acc_cancel": {"ca": "Cancel·la", "es": "Cancelar", "en": "Cancel"},
    "acc_created": {
        "ca": "Compte {name} creat. Fes-lo servir per cobrar com a empresa.",
        "es": "Cuenta {name} creada. Úsala para cobrar como empresa.",
        "en": "Account {name} created. Use it to get paid as a business.",
    },
    # The active business account.
    "acc_business_of": {
        "ca": "{name}: equip i integracions",
        "es": "{name}: equipo e integraciones",
        "en": "{name}: team and integrations",
    },
    "acc_members": {"ca": "Membres", "es": "Miembros", "en": "Members"},
    "acc_you": {"ca": "(tu)", "es": "(tú)", "en": "(you)"},
    "acc_remove_member": {"ca": "Treu", "es": "Quitar", "en": "Remove"},
    "acc_remove_member_label": {
        "ca": "Treu {name} del compte",
        "es": "Quitar a {name} de la cuenta",
        "en": "Remove {name} from the account",
    },
    "acc_remove_member_confirm": {
        "ca": "Vols treure {name}? Deixarà de tenir accés al compte.",
        "es": "¿Quieres quitar a {name}? Dejará de tener acceso a la cuenta.",
        "en": "Remove {name}? They lose access to the account.",
    },
    "acc_remove_yes": {"ca": "Sí, treu-lo", "es": "Sí, quitarlo", "en": "Yes, remove"},
    "acc_member_removed": {
        "ca": "{name} ja no és membre.",
        "es": "{name} ya no es miembro.",
        "en": "{name} is no longer a member.",
    },
    "acc_left": {
        "ca": "Ja no ets membre d'aquest compte.",
        "es": "Ya no eres miembro de esta cuenta.",
        "en": "You are no longer a member of this account.",
    },
    "acc_invite": {"ca": "Convida algú", "es": "Invitar a alguien", "en": "Invite someone"},
    "acc_invite_email": {
        "ca": "Correu electrònic de qui convides",
        "es": "Correo electrónico de quien invitas",
        "en": "Email of who you invite",
    },
    "acc_invite_role": {"ca": "Rol", "es": "Rol", "en": "Role"},
    "acc_role_hint_OWNER": {
        "ca": "propietari: tot, també membres, claus i webhooks",
        "es": "propietario: todo, también miembros, claves y webhooks",
        "en": "owner: everything, members, keys and webhooks included",
    },
    "acc_role_hint_MANAGER": {
        "ca": "gerent: cobra, paga, retorna i veu l'equip",
        "es": "gerente: cobra, paga, devuelve y ve el equipo",
        "en": "manager: gets paid, pays, refunds and sees the team",
    },
    "acc_role_hint_CASHIER": {
        "ca": "caixer: cobra a la caixa",
        "es": "cajero: cobra en la caja",
        "en": "cashier: takes payments at the till",
    },
    "acc_send_invitation": {
        "ca": "Envia la invitació",
        "es": "Enviar la invitación",
        "en": "Send the invitation",
    },
    "acc_invited": {
        "ca": "Invitació enviada a {email}. Té 7 dies per acceptar-la.",
        "es": "Invitación enviada a {email}. Tiene 7 días para aceptarla.",
        "en": "Invitation sent to {email}. It is valid for 7 days.",
    },
    "acc_cashier_note": {
        "ca": "Com a caixer, cobres a la caixa. L'equip, les claus i els webhooks els porten "
        "els propietaris.",
        "es": "Como cajero, cobras en la caja. El equipo, las claves y los webhooks los "
        "llevan los propietarios.",
        "en": "As a cashier you take payments at the till. The owners look after the team, "
        "the keys and the webhooks.",
    },
    "acc_manager_note": {
        "ca": "Les claus d'API i els webhooks els porten els propietaris.",
        "es": "Las claves de API y los webhooks los llevan los propietarios.",
        "en": "The owners look after the API keys and the webhooks.",
    },
    # API keys.
    "acc_api_keys": {"ca": "Claus d'API", "es": "Claves de API", "en": "API keys"},
    "acc_api_keys_intro": {
        "ca": "Per als programes de la botiga (la botiga en línia, la caixa): cada clau fa "
        "només el que li permeten els seus permisos.",
        "es": "Para los programas de la tienda (la tienda en línea, la caja): cada clave hace "
        "solo lo que le permiten sus permisos.",
        "en": "For the shop's programs (the online shop, the till): each key does only what "
        "its scopes allow.",
    },
    "acc_no_api_keys": {
        "ca": "Encara no hi ha cap clau.",
        "es": "Todavía no hay ninguna clave.",
        "en": "No keys yet.",
    },
    "acc_key_created_at": {"ca": "Creada: {when}", "es": "Creada: {when}", "en": "Created: {when}"},
    "acc_key_used_at": {
        "ca": "Darrer ús: {when}",
        "es": "Último uso: {when}",
        "en": "Last used: {when}",
    },
    "acc_key_never_used": {"ca": "Mai no s'ha fet servir", "es": "Nunca usada", "en": "Never used"},
    "acc_key_revoked_at": {
        "ca": "Revocada: {when}",
        "es": "Revocada: {when}",
        "en": "Revoked: {when}",
    },
    "acc_revoke": {"ca": "Revoca", "es": "Revocar", "en": "Revoke"},
    "acc_revoke_label": {
        "ca": "Revoca la clau {name}",
        "es": "Revocar la clave {name}",
        "en": "Revoke the key {name}",
    },
    "acc_revoke_confirm": {
        "ca": "Vols revocar {name}? Els programes que la fan servir deixaran de funcionar "
        "ara mateix. No es pot desfer.",
        "es": "¿Quieres revocar {name}? Los programas que la usan dejarán de funcionar ahora "
        "mismo. No se puede deshacer.",
        "en": "Revoke {name}? Programs using it stop working at once. This cannot be undone.",
    },
    "acc_revoke_yes": {"ca": "Sí, revoca-la", "es": "Sí, revocarla", "en": "Yes, revoke"},
    "acc_revoked": {
        "ca": "Clau {name} revocada.",
        "es": "Clave {name} revocada.",
        "en": "Key {name} revoked.",
    },
    "acc_new_key": {"ca": "Clau nova", "es": "Clave nueva", "en": "New key"},
    "acc_key_name": {
        "ca": "Nom (per reconèixer-la)",
        "es": "Nombre (para reconocerla)",
        "en": "Name (to recognise it)",
    },
    "acc_scopes": {"ca": "Permisos", "es": "Permisos", "en": "Scopes"},
    "acc_scope_payment_orders:read": {
        "ca": "veure les ordres de pagament i els esdeveniments",
        "es": "ver las órdenes de pago y los eventos",
        "en": "see payment orders and events",
    },
    "acc_scope_payment_orders:write": {
        "ca": "crear i cancel·lar ordres de pagament",
        "es": "crear y cancelar órdenes de pago",
        "en": "create and cancel payment orders",
    },
    "acc_scope_refunds:write": {
        "ca": "fer devolucions",
        "es": "hacer devoluciones",
        "en": "refund payments",
    },
    "acc_scope_webhooks:write": {
        "ca": "gestionar els webhooks",
        "es": "gestionar los webhooks",
        "en": "manage webhooks",
    },
    "acc_create_key": {"ca": "Crea la clau", "es": "Crear la clave", "en": "Create the key"},
    "acc_key_secret": {
        "ca": "La clau {name}",
        "es": "La clave {name}",
        "en": "The key {name}",
    },
    "acc_secret_warning": {
        "ca": "Copia-la ara i guarda-la en un lloc segur: no la tornaràs a veure. Qui la tingui "
        "pot actuar com la botiga.",
        "es": "Cópiala ahora y guárdala en un lugar seguro: no la volverás a ver. Quien la "
        "tenga puede actuar como la tienda.",
        "en": "Copy it now and keep it somewhere safe: you will not see it again. Whoever "
        "holds it can act as the shop.",
    },
    "acc_copy": {"ca": "Copia", "es": "Copiar", "en": "Copy"},
    "acc_copied": {"ca": "Copiada.", "es": "Copiada.", "en": "Copied."},
    "acc_copy_failed": {
        "ca": "No s'ha pogut copiar: selecciona-la i copia-la a mà.",
        "es": "No se ha podido copiar: selecciónala y cópiala a mano.",
        "en": "Could not copy: select it and copy it by hand.",
    },
    "acc_secret_done": {
        "ca": "Ja l'he guardada",
        "es": "Ya la he guardado",
        "en": "I have saved it",
    },
    # Webhooks.
    "acc_webhooks": {"ca": "Webhooks", "es": "Webhooks", "en": "Webhooks"},
    "acc_webhooks_intro": {
        "ca": "Adreces on enviem, signats, els esdeveniments de la botiga.",
        "es": "Direcciones a las que enviamos, firmados, los eventos de la tienda.",
        "en": "Addresses we send the shop's events to, signed.",
    },
    "acc_no_webhooks": {
        "ca": "Encara no hi ha cap adreça.",
        "es": "Todavía no hay ninguna dirección.",
        "en": "No endpoints yet.",
    },
    "acc_webhook_url": {
        "ca": "Adreça (https://…)",
        "es": "Dirección (https://…)",
        "en": "Address (https://…)",
    },
    "acc_events": {"ca": "Esdeveniments", "es": "Eventos", "en": "Events"},
    "acc_event_payment_order.created": {
        "ca": "ordre de pagament creada",
        "es": "orden de pago creada",
        "en": "payment order created",
    },
    "acc_event_payment_order.succeeded": {
        "ca": "ordre de pagament pagada",
        "es": "orden de pago pagada",
        "en": "payment order paid",
    },
    "acc_event_payment_order.canceled": {
        "ca": "ordre de pagament cancel·lada",
        "es": "orden de pago cancelada",
        "en": "payment order canceled",
    },
    "acc_event_payment_order.expired": {
        "ca": "ordre de pagament caducada",
        "es": "orden de pago caducada",
        "en": "payment order expired",
    },
    "acc_event_refund.succeeded": {
        "ca": "devolució feta",
        "es": "devolución hecha",
        "en": "refund made",
    },
    "acc_add_webhook": {
        "ca": "Afegeix l'adreça",
        "es": "Añadir la dirección",
        "en": "Add the endpoint",
    },
    "acc_new_webhook": {"ca": "Adreça nova", "es": "Dirección nueva", "en": "New endpoint"},
    "acc_webhook_secret": {
        "ca": "Secret de signatura de {url}",
        "es": "Secreto de firma de {url}",
        "en": "Signing secret of {url}",
    },
    "acc_webhook_secret_warning": {
        "ca": "Copia'l ara: el receptor el necessita per comprovar les signatures i no el "
        "tornaràs a veure.",
        "es": "Cópialo ahora: el receptor lo necesita para comprobar las firmas y no lo "
        "volverás a ver.",
        "en": "Copy it now: the receiver needs it to check signatures, and you will not see "
        "it again.",
    },
    "acc_rotated_note": {
        "ca": "El secret anterior també signa fins a: {when}.",
        "es": "El secreto anterior también firma hasta: {when}.",
        "en": "The previous secret also signs until: {when}.",
    },
    "acc_rotate": {"ca": "Secret nou", "es": "Secreto nuevo", "en": "New secret"},
    "acc_rotate_label": {
        "ca": "Secret nou per a {url}",
        "es": "Secreto nuevo para {url}",
        "en": "New secret for {url}",
    },
    "acc_remove_webhook": {"ca": "Elimina", "es": "Eliminar", "en": "Remove"},
    "acc_remove_webhook_label": {
        "ca": "Elimina {url}",
        "es": "Eliminar {url}",
        "en": "Remove {url}",
    },
    "acc_remove_webhook_confirm": {
        "ca": "Vols eliminar {url}? No s'hi enviarà res més; el que estava pendent es cancel·la.",
        "es": "¿Quieres eliminar {url}? No se enviará nada más; lo pendiente se cancela.",
        "en": "Remove {url}? Nothing more is sent to it; what was pending is canceled.",
    },
    "acc_remove_webhook_yes": {
        "ca": "Sí, elimina-la",
        "es": "Sí, eliminarla",
        "en": "Yes, remove",
    },
    "acc_webhook_removed": {
        "ca": "{url} eliminada.",
        "es": "{url} eliminada.",
        "en": "{url} removed.",
    },
    "acc_health_CLOSED": {
        "ca": "Funciona",
        "es": "Funciona",
        "en": "Working",
    },
    "acc_health_OPEN": {
        "ca": "En pausa: falla ({count} errors seguits); la provem de tant en tant",
        "es": "En pausa: falla ({count} errores seguidos); la probamos de vez en cuando",
        "en": "Resting: failing ({count} errors in a row); we try it now and then",
    },
    "acc_no_deliveries": {
        "ca": "Encara no s'hi ha enviat res.",
        "es": "Todavía no se ha enviado nada.",
        "en": "Nothing sent yet.",
    },
    "acc_last_delivery": {
        "ca": "Darrer enviament ({event}): {status}",
        "es": "Último envío ({event}): {status}",
        "en": "Last delivery ({event}): {status}",
    },
    "acc_delivery_pending": {"ca": "pendent", "es": "pendiente", "en": "pending"},
    "acc_delivery_succeeded": {"ca": "rebut", "es": "recibido", "en": "delivered"},
    "acc_delivery_failed": {"ca": "refusat", "es": "rechazado", "en": "refused"},
    "acc_delivery_dead": {"ca": "abandonat", "es": "abandonado", "en": "given up"},
    "acc_delivery_canceled": {"ca": "cancel·lat", "es": "cancelado", "en": "canceled"},
    "acc_delivery_answer": {
        "ca": "resposta {code}, {when}",
        "es": "respuesta {code}, {when}",
        "en": "answer {code}, {when}",
    },
    "acc_last_error": {
        "ca": "Darrer error: {error}",
        "es": "Último error: {error}",
        "en": "Last error: {error}",
    },
    "acc_last_success": {
        "ca": "Darrer lliurament correcte: {when}",
        "es": "Última entrega correcta: {when}",
        "en": "Last successful delivery: {when}",
    },
    # Refusals of the API, by form, field and code (see the module's docstring).
    "acc_problem_name_INVALID_INPUT": {
        "ca": "Posa un nom d'1 a 120 caràcters.",
        "es": "Pon un nombre de 1 a 120 caracteres.",
        "en": "Use a name of 1 to 120 characters.",
    },
    "acc_problem_key_name_INVALID_INPUT": {
        "ca": "Posa un nom d'1 a 80 caràcters.",
        "es": "Pon un nombre de 1 a 80 caracteres.",
        "en": "Use a name of 1 to 80 characters.",
    },
    "acc_problem_category_INVALID_INPUT": {
        "ca": "Tria un tipus de negoci.",
        "es": "Elige un tipo de negocio.",
        "en": "Choose a kind of business.",
    },
    "acc_problem_address_INVALID_INPUT": {
        "ca": "Posa una adreça de 3 a 200 caràcters.",
        "es": "Pon una dirección de 3 a 200 caracteres.",
        "en": "Use an address of 3 to 200 characters.",
    },
    "acc_problem_neighbourhood_INVALID_INPUT": {
        "ca": "El barri pot tenir 80 caràcters com a màxim.",
        "es": "El barrio puede tener 80 caracteres como máximo.",
        "en": "The neighbourhood can have 80 characters at most.",
    },
    "acc_problem_location_INVALID_INPUT": {
        "ca": "Escriu la latitud (−90 a 90) i la longitud (−180 a 180), o deixa-les buides.",
        "es": "Escribe la latitud (−90 a 90) y la longitud (−180 a 180), o déjalas vacías.",
        "en": "Type the latitude (−90 to 90) and longitude (−180 to 180), or leave both empty.",
    },
    "acc_problem_location_NOT_FOUND": {
        "ca": "Encara no hi ha botigues al mapa: escriu la latitud i la longitud.",
        "es": "Todavía no hay tiendas en el mapa: escribe la latitud y la longitud.",
        "en": "There are no shops on the map yet: type the latitude and longitude.",
    },
    "acc_problem_email_INVALID_INPUT": {
        "ca": "Escriu un correu vàlid d'algú que encara no en sigui membre.",
        "es": "Escribe un correo válido de alguien que todavía no sea miembro.",
        "en": "Type a valid email of someone who is not a member yet.",
    },
    "acc_problem_email_LIMIT_EXCEEDED": {
        "ca": "Ja s'han enviat diverses invitacions a aquest correu: espera una estona.",
        "es": "Ya se han enviado varias invitaciones a este correo: espera un rato.",
        "en": "Several invitations went to this address lately: wait a while.",
    },
    "acc_problem_userId_INVALID_INPUT": {
        "ca": "Un compte ha de tenir almenys un propietari: fes-ne propietari algú altre primer.",
        "es": "Una cuenta debe tener al menos un propietario: haz propietario a otra persona "
        "primero.",
        "en": "An account keeps at least one owner: make someone else an owner first.",
    },
    "acc_problem_userId_NOT_FOUND": {
        "ca": "Aquesta persona ja no n'és membre.",
        "es": "Esta persona ya no es miembro.",
        "en": "This person is no longer a member.",
    },
    "acc_problem_scopes_INVALID_INPUT": {
        "ca": "Tria almenys un permís.",
        "es": "Elige al menos un permiso.",
        "en": "Choose at least one scope.",
    },
    "acc_problem_url_INVALID_INPUT": {
        "ca": "Escriu una adreça https:// (http:// només a aquest ordinador, en proves).",
        "es": "Escribe una dirección https:// (http:// solo en este ordenador, en pruebas).",
        "en": "Type an https:// address (http:// only on this computer, in development).",
    },
    "acc_problem_events_INVALID_INPUT": {
        "ca": "Tria almenys un esdeveniment.",
        "es": "Elige al menos un evento.",
        "en": "Choose at least one event.",
    },
    "acc_problem_key_accountId_LIMIT_EXCEEDED": {
        "ca": "Hi ha massa claus actives: revoca'n alguna.",
        "es": "Hay demasiadas claves activas: revoca alguna.",
        "en": "Too many active keys: revoke some.",
    },
    "acc_problem_webhook_accountId_LIMIT_EXCEEDED": {
        "ca": "Hi ha massa adreces: elimina'n alguna.",
        "es": "Hay demasiadas direcciones: elimina alguna.",
        "en": "Too many endpoints: remove some.",
    },
    "acc_problem_accountId_NOT_FOUND": {
        "ca": "Aquest compte ja no és dels teus.",
        "es": "Esta cuenta ya no es de las tuyas.",
        "en": "This account is no longer one of yours.",
    },
    "acc_problem_id_NOT_FOUND": {
        "ca": "Ja no existeix: torna a carregar la pàgina.",
        "es": "Ya no existe: vuelve a cargar la página.",
        "en": "It no longer exists: reload the page.",
    },
    "acc_problem_UNAVAILABLE": {
        "ca": "No s'ha pogut connectar. Torna-ho a provar.",
        "es": "No se ha podido conectar. Vuelve a intentarlo.",
        "en": "Could not connect. Try again.",
    },
    "acc_problem_FORBIDDEN": {
        "ca": "El teu rol en aquest compte no ho permet.",
        "es": "Tu rol en esta cuenta no lo permite.",
        "en": "Your role in this account does not allow this.",
    },
}

PROBLEMS: dict[str, dict[str, str]] = {}
