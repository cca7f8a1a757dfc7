"""The shop screen's words (merged into pwa.texts, where a key may appear only once)."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "shop_title": {
        "ca": "La botiga al mapa",
        "es": "La tienda en el mapa",
        "en": "Your shop on the map",
    },
    "shop_sign_in": {
        "ca": "Entra per editar la pàgina de la teva botiga.",
        "es": "Entra para editar la página de tu tienda.",
        "en": "Sign in to edit your shop's page.",
    },
    "shop_not_business": {
        "ca": "La pàgina de botiga és dels comptes d'empresa. Canvia al compte de la botiga "
        "a Comptes.",
        "es": "La página de tienda es de las cuentas de empresa. Cambia a la cuenta de la "
        "tienda en Cuentas.",
        "en": "The shop page belongs to business accounts. Switch to your shop's account "
        "in Accounts.",
    },
    "shop_not_manager": {
        "ca": "Només els propietaris i els encarregats de {account} editen la seva pàgina. "
        "Demana-ho a un propietari.",
        "es": "Solo los propietarios y los encargados de {account} editan su página. "
        "Pídeselo a un propietario.",
        "en": "Only the owners and managers of {account} edit its page. Ask an owner.",
    },
    "shop_no_page": {
        "ca": "Aquest compte encara no té pàgina al directori.",
        "es": "Esta cuenta todavía no tiene página en el directorio.",
        "en": "This account has no page in the directory yet.",
    },
    "shop_unavailable": {
        "ca": "Ara no es pot carregar la pàgina de la botiga.",
        "es": "Ahora no se puede cargar la página de la tienda.",
        "en": "The shop's page cannot be loaded right now.",
    },
    "shop_listed": {
        "ca": "La botiga surt al mapa.",
        "es": "La tienda sale en el mapa.",
        "en": "Your shop is on the map.",
    },
    "shop_not_listed": {
        "ca": "La botiga encara no surt al mapa: el seu nivell de verificació és {tier}, i "
        "el mapa mostra les botigues a partir del nivell {needed} ({name}). Envia els "
        "documents des del perfil; quan es revisin, sortirà sola.",
        "es": "La tienda todavía no sale en el mapa: su nivel de verificación es {tier}, y "
        "el mapa muestra las tiendas a partir del nivel {needed} ({name}). Envía los "
        "documentos desde el perfil; cuando se revisen, saldrá sola.",
        "en": "Your shop is not on the map yet: its verification level is {tier}, and the "
        "map shows shops from level {needed} ({name}) on. Send the documents from your "
        "profile; once they are reviewed, it appears by itself.",
    },
    "shop_map_closed": {
        "ca": "Aquesta moneda encara no mostra cap botiga al mapa.",
        "es": "Esta moneda todavía no muestra ninguna tienda en el mapa.",
        "en": "This currency's map shows no shops yet.",
    },
    "shop_see_map": {"ca": "Mira el mapa", "es": "Ver el mapa", "en": "See the map"},
    # The profile
    "shop_profile": {"ca": "La fitxa", "es": "La ficha", "en": "Profile"},
    "shop_owners_only": {
        "ca": "Només els propietaris canvien el nom, el tipus i el lloc: són el que va veure "
        "la revisió de verificació.",
        "es": "Solo los propietarios cambian el nombre, el tipo y el lugar: son lo que vio "
        "la revisión de verificación.",
        "en": "Only owners change the name, kind and place: they are what the verification "
        "review saw.",
    },
    "shop_name": {"ca": "Nom", "es": "Nombre", "en": "Name"},
    "shop_category": {"ca": "Tipus de botiga", "es": "Tipo de tienda", "en": "Kind of shop"},
    "shop_address": {"ca": "Adreça", "es": "Dirección", "en": "Address"},
    "shop_neighbourhood": {"ca": "Barri", "es": "Barrio", "en": "Neighbourhood"},
    "shop_description": {"ca": "Descripció", "es": "Descripción", "en": "Description"},
    "shop_location": {"ca": "Lloc al mapa", "es": "Lugar en el mapa", "en": "Place on the map"},
    "shop_location_hint": {
        "ca": "Toca el mapa o arrossega el marcador fins a la porta de la botiga.",
        "es": "Toca el mapa o arrastra el marcador hasta la puerta de la tienda.",
        "en": "Tap the map or drag the marker to the shop's door.",
    },
    "shop_location_type": {
        "ca": "Escriu la latitud i la longitud (per exemple 41.385064 i 2.173404).",
        "es": "Escribe la latitud y la longitud (por ejemplo 41.385064 y 2.173404).",
        "en": "Type the latitude and longitude (for example 41.385064 and 2.173404).",
    },
    "shop_map_region": {
        "ca": "Mapa per triar el lloc de la botiga",
        "es": "Mapa para elegir el lugar de la tienda",
        "en": "Map to pick the shop's place",
    },
    "shop_marker": {"ca": "La botiga", "es": "La tienda", "en": "The shop"},
    "shop_latitude": {"ca": "Latitud", "es": "Latitud", "en": "Latitude"},
    "shop_longitude": {"ca": "Longitud", "es": "Longitud", "en": "Longitude"},
    "shop_save_profile": {"ca": "Desa la fitxa", "es": "Guardar la ficha", "en": "Save profile"},
    "shop_saving": {"ca": "Desant…", "es": "Guardando…", "en": "Saving…"},
    "shop_saved": {"ca": "Desat.", "es": "Guardado.", "en": "Saved."},
    # Photo
    "shop_photo": {"ca": "Foto", "es": "Foto", "en": "Photo"},
    "shop_photo_hint": {
        "ca": "La foto que el mapa mostra amb la botiga.",
        "es": "La foto que el mapa muestra con la tienda.",
        "en": "The photo the map shows with your shop.",
    },
    "shop_photo_none": {
        "ca": "La botiga encara no té foto.",
        "es": "La tienda aún no tiene foto.",
        "en": "Your shop has no photo yet.",
    },
    "shop_photo_file": {
        "ca": "Foto nova (JPEG, PNG o WebP, 2 MB com a màxim)",
        "es": "Foto nueva (JPEG, PNG o WebP, 2 MB como máximo)",
        "en": "New photo (JPEG, PNG or WebP, 2 MB at most)",
    },
    "shop_photo_send": {"ca": "Envia la foto", "es": "Enviar la foto", "en": "Upload photo"},
    "shop_photo_sending": {"ca": "Enviant…", "es": "Enviando…", "en": "Uploading…"},
    "shop_photo_remove": {"ca": "Treu la foto", "es": "Quitar la foto", "en": "Remove photo"},
    "shop_photo_saved": {
        "ca": "Foto desada: el mapa ja la mostra.",
        "es": "Foto guardada: el mapa ya la muestra.",
        "en": "Photo saved: the map shows it now.",
    },
    "shop_photo_removed": {
        "ca": "Foto treta.",
        "es": "Foto quitada.",
        "en": "Photo removed.",
    },
    "shop_photo_kind": {
        "ca": "Envia una imatge JPEG, PNG o WebP.",
        "es": "Envía una imagen JPEG, PNG o WebP.",
        "en": "Send a JPEG, PNG or WebP image.",
    },
    "shop_photo_big": {
        "ca": "La foto pot fer 2 MB com a màxim.",
        "es": "La foto puede ocupar 2 MB como máximo.",
        "en": "The photo may be 2 MB at most.",
    },
    "shop_photo_empty": {
        "ca": "El fitxer és buit.",
        "es": "El archivo está vacío.",
        "en": "The file is empty.",
    },
    "shop_photo_failed": {
        "ca": "No s'ha pogut enviar la foto. Torna-ho a provar.",
        "es": "No se ha podido enviar la foto. Vuelve a intentarlo.",
        "en": "Could not upload the photo. Try again.",
    },
    # Hours
    "shop_hours": {"ca": "Horari", "es": "Horario", "en": "Opening hours"},
    "shop_hours_hint": {
        "ca": "Hores com a HH:MM. Un tancament abans de l'obertura passa de mitjanit; "
        "24:00 és la mitjanit del final del dia.",
        "es": "Horas como HH:MM. Un cierre antes de la apertura pasa de medianoche; "
        "24:00 es la medianoche del final del día.",
        "en": "Times as HH:MM. A close before the opening runs past midnight; 24:00 is the "
        "midnight at the day's end.",
    },
    "shop_opens": {"ca": "Obre", "es": "Abre", "en": "Opens"},
    "shop_closes": {"ca": "Tanca", "es": "Cierra", "en": "Closes"},
    "shop_closed_day": {"ca": "Tancat", "es": "Cerrado", "en": "Closed"},
    "shop_add_range": {"ca": "Afegeix un horari", "es": "Añadir un horario", "en": "Add hours"},
    "shop_remove_range": {
        "ca": "Treu l'horari {opens}–{closes}",
        "es": "Quitar el horario {opens}–{closes}",
        "en": "Remove the hours {opens}–{closes}",
    },
    "shop_remove": {"ca": "Treu", "es": "Quitar", "en": "Remove"},
    "shop_exceptions": {
        "ca": "Dies amb un altre horari",
        "es": "Días con otro horario",
        "en": "Dates with other hours",
    },
    "shop_exceptions_none": {
        "ca": "Cap dia especial.",
        "es": "Ningún día especial.",
        "en": "No special dates.",
    },
    "shop_exception_date": {"ca": "Data", "es": "Fecha", "en": "Date"},
    "shop_exception_closed": {
        "ca": "Tancat tot el dia",
        "es": "Cerrado todo el día",
        "en": "Closed all day",
    },
    "shop_add_exception": {
        "ca": "Afegeix un dia especial",
        "es": "Añadir un día especial",
        "en": "Add a special date",
    },
    "shop_remove_exception": {
        "ca": "Treu aquest dia",
        "es": "Quitar este día",
        "en": "Remove this date",
    },
    "shop_save_hours": {
        "ca": "Desa l'horari",
        "es": "Guardar el horario",
        "en": "Save the hours",
    },
    # Offers
    "shop_offers": {"ca": "Ofertes", "es": "Ofertas", "en": "Offers"},
    "shop_offers_hint": {
        "ca": "Les ofertes s'acaben soles el seu últim dia, i llavors deixen de sortir aquí.",
        "es": "Las ofertas terminan solas su último día, y entonces dejan de salir aquí.",
        "en": "Offers end by themselves on their last day, and then leave this list.",
    },
    "shop_offers_none": {
        "ca": "Cap oferta vigent ni per venir.",
        "es": "Ninguna oferta vigente ni por venir.",
        "en": "No offers live or to come.",
    },
    "shop_offer_live": {"ca": "Vigent", "es": "Vigente", "en": "Live"},
    "shop_offer_to_come": {"ca": "Per venir", "es": "Por venir", "en": "To come"},
    "shop_offer_remove": {
        "ca": "Treu l'oferta",
        "es": "Quitar la oferta",
        "en": "Remove the offer",
    },
    "shop_offer_confirm": {
        "ca": "Treure «{title}»? Deixarà de sortir al mapa ara mateix.",
        "es": "¿Quitar «{title}»? Dejará de salir en el mapa ahora mismo.",
        "en": "Remove “{title}”? It leaves the map at once.",
    },
    "shop_offer_confirm_yes": {"ca": "Sí, treu-la", "es": "Sí, quitarla", "en": "Yes, remove it"},
    "shop_offer_confirm_no": {"ca": "No, deixa-la", "es": "No, dejarla", "en": "No, keep it"},
    "shop_new_offer": {"ca": "Oferta nova", "es": "Oferta nueva", "en": "New offer"},
    "shop_offer_kind": {"ca": "Tipus d'oferta", "es": "Tipo de oferta", "en": "Kind of offer"},
    "shop_kind_CLASSIC": {
        "ca": "Clàssica (un text: «cafè i croissant per 2 REC»)",
        "es": "Clásica (un texto: «café y cruasán por 2 REC»)",
        "en": "Classic (a text: “a coffee and a croissant for 2 REC”)",
    },
    "shop_kind_PERCENTAGE": {
        "ca": "Percentatge de descompte",
        "es": "Porcentaje de descuento",
        "en": "Percentage off",
    },
    "shop_kind_FREE": {
        "ca": "Un article de regal",
        "es": "Un artículo de regalo",
        "en": "An item free",
    },
    "shop_offer_title": {"ca": "Títol", "es": "Título", "en": "Title"},
    "shop_offer_description": {
        "ca": "Descripció (opcional)",
        "es": "Descripción (opcional)",
        "en": "Description (optional)",
    },
    "shop_offer_percent": {
        "ca": "Descompte (%)",
        "es": "Descuento (%)",
        "en": "Discount (%)",
    },
    "shop_offer_starts": {"ca": "Primer dia", "es": "Primer día", "en": "First day"},
    "shop_offer_ends": {
        "ca": "Últim dia (opcional)",
        "es": "Último día (opcional)",
        "en": "Last day (optional)",
    },
    "shop_add_offer": {"ca": "Afegeix l'oferta", "es": "Añadir la oferta", "en": "Add the offer"},
    "shop_offer_added": {
        "ca": "Oferta afegida.",
        "es": "Oferta añadida.",
        "en": "Offer added.",
    },
    "shop_offer_removed": {
        "ca": "Oferta treta.",
        "es": "Oferta quitada.",
        "en": "Offer removed.",
    },
    # What went wrong, beside the field
    "shop_problem_name": {
        "ca": "Posa un nom d'1 a 120 caràcters.",
        "es": "Pon un nombre de 1 a 120 caracteres.",
        "en": "Use a name of 1 to 120 characters.",
    },
    "shop_problem_category": {
        "ca": "Tria un tipus de la llista.",
        "es": "Elige un tipo de la lista.",
        "en": "Choose a kind from the list.",
    },
    "shop_problem_address": {
        "ca": "Posa una adreça de 3 a 200 caràcters.",
        "es": "Pon una dirección de 3 a 200 caracteres.",
        "en": "Use an address of 3 to 200 characters.",
    },
    "shop_problem_neighbourhood": {
        "ca": "Com a màxim 80 caràcters.",
        "es": "Como máximo 80 caracteres.",
        "en": "At most 80 characters.",
    },
    "shop_problem_description": {
        "ca": "Com a màxim {count} caràcters.",
        "es": "Como máximo {count} caracteres.",
        "en": "At most {count} characters.",
    },
    "shop_problem_location": {
        "ca": "Posa una latitud de -90 a 90 i una longitud de -180 a 180, en graus.",
        "es": "Pon una latitud de -90 a 90 y una longitud de -180 a 180, en grados.",
        "en": "Use a latitude from -90 to 90 and a longitude from -180 to 180, in degrees.",
    },
    "shop_problem_opens": {
        "ca": "L'obertura és una hora HH:MM, de 00:00 a 23:59.",
        "es": "La apertura es una hora HH:MM, de 00:00 a 23:59.",
        "en": "The opening is a time HH:MM, 00:00 to 23:59.",
    },
    "shop_problem_closes": {
        "ca": "El tancament és una hora HH:MM, de 00:00 a 24:00.",
        "es": "El cierre es una hora HH:MM, de 00:00 a 24:00.",
        "en": "The closing is a time HH:MM, 00:00 to 24:00.",
    },
    "shop_problem_same_time": {
        "ca": "Tanca quan obre: per a tot el dia, obre a 00:00 i tanca a 24:00.",
        "es": "Cierra cuando abre: para todo el día, abre a 00:00 y cierra a 24:00.",
        "en": "It closes when it opens: for all day, open at 00:00 and close at 24:00.",
    },
    "shop_problem_overlap": {
        "ca": "Aquest horari es trepitja amb un altre.",
        "es": "Este horario se solapa con otro.",
        "en": "These hours overlap others.",
    },
    "shop_problem_date": {
        "ca": "Tria una data d'ahir fins d'aquí a dos anys.",
        "es": "Elige una fecha de ayer hasta dentro de dos años.",
        "en": "Choose a date from yesterday to two years from now.",
    },
    "shop_problem_date_twice": {
        "ca": "Aquesta data ja hi és.",
        "es": "Esta fecha ya está.",
        "en": "This date is given twice.",
    },
    "shop_problem_exception_ranges": {
        "ca": "Marca'l tancat, o posa l'horari que obre aquell dia.",
        "es": "Márcalo cerrado, o pon el horario que abre ese día.",
        "en": "Mark it closed, or give the hours it opens that day.",
    },
    "shop_problem_too_many": {
        "ca": "Com a màxim 50 horaris i 100 dies especials en total.",
        "es": "Como máximo 50 horarios y 100 días especiales en total.",
        "en": "At most 50 ranges and 100 special dates in all.",
    },
    "shop_problem_title": {
        "ca": "Posa un títol d'1 a 80 caràcters.",
        "es": "Pon un título de 1 a 80 caracteres.",
        "en": "Use a title of 1 to 80 characters.",
    },
    "shop_problem_percent": {
        "ca": "Posa un percentatge d'1 a 100.",
        "es": "Pon un porcentaje de 1 a 100.",
        "en": "Enter a percentage from 1 to 100.",
    },
    "shop_problem_starts": {
        "ca": "Tria el primer dia, com a molt d'aquí a un any.",
        "es": "Elige el primer día, como mucho dentro de un año.",
        "en": "Choose the first day, at most a year ahead.",
    },
    "shop_problem_ends_before": {
        "ca": "L'últim dia no pot ser abans del primer.",
        "es": "El último día no puede ser antes del primero.",
        "en": "The last day cannot be before the first.",
    },
    "shop_problem_ends_past": {
        "ca": "Aquesta oferta ja s'hauria acabat.",
        "es": "Esta oferta ya habría terminado.",
        "en": "This offer would already be over.",
    },
    "shop_problem_offers_limit": {
        "ca": "Com a màxim 20 ofertes vigents o per venir: treu-ne alguna abans.",
        "es": "Como máximo 20 ofertas vigentes o por venir: quita alguna antes.",
        "en": "At most 20 offers live or to come: remove one first.",
    },
    "shop_problem_general": {
        "ca": "No s'ha pogut desar. Torna-ho a provar.",
        "es": "No se ha podido guardar. Vuelve a intentarlo.",
        "en": "Could not save. Try again.",
    },
}

PROBLEMS: dict[str, dict[str, str]] = {}
