import type { Catalog } from './en.js';

/**
 * Italian, addressing the user as Lei in sentences (Inserisca, Riprovi); buttons and links are
 * the usual short commands (Accedi, Annulla). Apostrophes are typographic (’): a straight one
 * starts a quotation in ICU MessageFormat. Quotes are angular (« »). Plurals have CLDR's `many`
 * form too: a round million takes "di" (1.000.000 di secondi).
 */
export const it: Catalog = {
  'layout.title': '{title} · Gatehouse',
  'layout.languages': 'Lingua',

  'login.title': 'Accesso',
  'login.titleAgain': 'Acceda di nuovo',
  'login.leadApp': 'per continuare su <b>{app}</b>',
  'login.lead': 'con il Suo account Gatehouse',
  'login.username': 'Nome utente',
  'login.password': 'Password',
  'login.notYou': 'Non è Lei?',
  'login.submit': 'Accedi',
  'login.hint': 'Può accedere con il Suo nome utente o con il Suo indirizzo e-mail.',
  'login.forgot': 'Password dimenticata?',
  'login.register': 'Crea un account',
  'login.missing': 'Inserisca il nome utente e la password.',
  'login.incorrect': 'Il nome utente o la password non sono corretti.',
  'login.unconfirmed':
    'Il Suo indirizzo e-mail non è ancora confermato. Segua il link che Le abbiamo inviato, oppure usi «Password dimenticata?» per riceverne uno nuovo.',
  'login.busy':
    'In questo momento Gatehouse è troppo occupato per verificare la Sua password. Riprovi tra {seconds, plural, one {# secondo} many {# di secondi} other {# secondi}}.',
  'login.throttled':
    'Troppi tentativi di accesso non riusciti. Attenda {seconds, plural, one {# secondo} many {# di secondi} other {# secondi}}, poi riprovi.',
  'login.noticeReset': 'La Sua password è stata cambiata. Acceda con la nuova password.',
  'signedIn.title': 'Accesso effettuato',
  'signedIn.heading': 'Ha effettuato l’accesso',
  'signedIn.lead': 'come <b>{username}</b>.',
  'common.yourAccount': 'Il Suo account',
  'common.signOut': 'Esci',
  'common.cancel': 'Annulla',
  'common.signedInAs': 'Accesso effettuato come <b>{username}</b>',
  'common.backToSignIn': 'Torna all’accesso',
  'common.continue': 'Continua',
  'common.knowWhoYouAre': 'Sapere chi è Lei su questo server',
  'common.askingFor': 'Chiede l’autorizzazione a:',
  'common.deny': 'Nega',

  'throttle.passwords':
    'Troppe password errate. Attenda {seconds, plural, one {# secondo} many {# di secondi} other {# secondi}}, poi riprovi.',
  'throttle.network':
    'Troppe richieste dalla Sua rete. Attenda {seconds, plural, one {# secondo} many {# di secondi} other {# secondi}}, poi riprovi.',
  'password.rule':
    'Almeno {min, plural, one {# carattere} many {# di caratteri} other {# caratteri}}; non il Suo nome utente né il Suo indirizzo e-mail.',

  'consent.title': 'Autorizza l’accesso',
  'consent.heading': '<b>{app}</b> vuole accedere al Suo account',
  'consent.allow': 'Consenti',
  'consent.sendsBack': 'Se consente, tornerà su <b>{host}</b>.',
  'consent.remembered': 'Queste autorizzazioni non Le verranno più richieste.',
  'consent.notRemembered':
    'Le verranno richieste di nuovo la prossima volta: Gatehouse non può verificare di quale app del Suo dispositivo si tratti.',

  'scope.openid': 'FarLa accedere con il Suo account',
  'scope.profile': 'Vedere il Suo nome utente e il Suo nome',
  'scope.email': 'Vedere il Suo indirizzo e-mail',
  'scope.offline_access': 'Mantenere l’accesso quando Lei non usa l’app (finché non lo revoca)',

  'logout.heading': 'Uscire?',
  'logout.lead': 'Ha effettuato l’accesso come <b>{username}</b>.',
  'logout.thenAnother': 'Potrà poi accedere con un altro account.',
  'signedOut.title': 'Disconnessione effettuata',
  'signedOut.heading': 'Ha effettuato la disconnessione',
  'signedOut.lead': 'Può chiudere questa finestra.',
  'signedOut.again': 'Accedi di nuovo',
  'endSession.heading': 'Uscire da Gatehouse?',
  'endSession.leadApp': '<b>{app}</b> chiede di disconnetterLa.',
  'endSession.lead': 'Un’app chiede di disconnetterLa.',
  'endSession.otherSession':
    'L’app ha effettuato l’accesso con un account o una sessione diversi da quelli attuali. Uscendo si chiude la sessione di questo browser.',
  'endSession.note': 'Uscendo si chiudono la Sua sessione Gatehouse e gli accessi delle app che l’hanno usata.',
  'stillSignedIn.title': 'Accesso ancora attivo',
  'stillSignedIn.heading': 'Il Suo accesso è ancora attivo',
  'stillSignedIn.lead':
    'come <b>{username}</b>: la Sua sessione Gatehouse non è cambiata (l’app potrebbe aver già chiuso per conto suo la Sua sessione).',
  'stillSignedIn.backTo': 'Torna a {app}',
  'stillSignedIn.backToApp': 'Torna all’app',

  'register.title': 'Crea un account',
  'register.lead': 'Scelga un nome utente e una password.',
  'register.email': 'Indirizzo e-mail',
  'register.passwordAgain': 'Ripeta la password',
  'register.submit': 'Crea l’account',
  'register.haveAccount': 'Ho già un account',
  'register.closedTitle': 'Le registrazioni sono chiuse',
  'register.closedMessage': 'Gli account di questo server vengono creati dai suoi amministratori.',
  'checkEmail.title': 'Controlli la Sua e-mail',
  'checkEmail.signUp': 'Abbiamo inviato un link all’indirizzo indicato. Lo segua per attivare il Suo account.',
  'checkEmail.signUpContinue':
    'Abbiamo inviato un link all’indirizzo indicato. Lo segua per attivare il Suo account, poi torni qui e acceda per continuare.',
  'checkEmail.reset':
    'Se il nome o l’indirizzo indicato appartiene a un account, abbiamo inviato al suo indirizzo e-mail un link per scegliere una nuova password.',
  'checkEmail.expires':
    'Il link è valido per {duration}. Non è arrivato nulla? Controlli la cartella della posta indesiderata, oppure lo richieda di nuovo tra qualche minuto.',
  'confirm.title': 'Confermi il Suo indirizzo e-mail',
  'confirm.lead':
    'e attivi l’account <b>{username}</b>. Inserisca la password che ha scelto al momento della registrazione.',
  'confirm.submit': 'Conferma e attiva il mio account',
  'confirm.notYours':
    'Non è il Suo account? Allora qualcun altro si è registrato con il Suo indirizzo: ignori questa pagina e l’e-mail, e l’account non verrà attivato.',
  'confirm.wrongPassword':
    'La password non è corretta. Inserisca la password che ha scelto al momento della registrazione (oppure si registri di nuovo per sceglierne un’altra).',
  'confirm.linkNotUsable':
    'È scaduto, è già stato usato oppure è stato inviato un link più recente. Se il Suo account non è ancora attivo, richieda un nuovo link con «Password dimenticata?» nella pagina di accesso.',
  'link.notUsableTitle': 'Questo link non funziona più',

  'reset.title': 'Reimposti la password',
  'reset.lead':
    'Inserisca il Suo nome utente o il Suo indirizzo e-mail. Se corrisponde a un account, Le invieremo per e-mail un link per scegliere una nuova password.',
  'reset.login': 'Nome utente o indirizzo e-mail',
  'reset.submit': 'Inviami un link',
  'reset.missing': 'Inserisca il Suo nome utente o il Suo indirizzo e-mail.',
  'reset.linkNotUsable':
    'È scaduto, è già stato usato oppure è stato inviato un link più recente. Ne richieda uno nuovo nella pagina «Password dimenticata?».',
  'resetPassword.title': 'Scelga una nuova password',
  'resetPassword.lead':
    'per <b>{username}</b>. Tutte le Sue sessioni verranno chiuse, e le app che usano il Suo account dovranno essere autorizzate di nuovo.',
  'resetPassword.new': 'Nuova password',
  'resetPassword.newAgain': 'Ripeta la nuova password',
  'resetPassword.submit': 'Imposta la nuova password',

  'account.title': 'Il Suo account',
  'account.lead': 'Accesso effettuato come <b>{username}</b>.',
  'account.nameHeading': 'Il Suo nome',
  'account.nameLead': 'Le app a cui accede con questo account vedono questo nome.',
  'account.name': 'Nome',
  'account.saveName': 'Salva il nome',
  'account.profileHeading': 'Profilo',
  'account.verified': 'Questo indirizzo è verificato: ha seguito un link che vi abbiamo inviato.',
  'account.unverified':
    'Questo indirizzo non è ancora verificato, e le app ne sono informate. Se lo cambia, viene inviato un link al nuovo indirizzo, che lo verifica.',
  'account.currentPassword': 'Password attuale',
  'account.saveProfile': 'Salva il profilo',
  'account.passwordHeading': 'Cambia la password',
  'account.changePassword': 'Cambia la password',
  'account.passwordNote': '{rule} Cambiando la password, le sessioni sugli altri Suoi dispositivi verranno chiuse.',
  'account.appsHeading': 'App con accesso',
  'account.noScopes': 'nessuna autorizzazione',
  'account.allowedOn': 'autorizzata il {date}',
  'account.signedInOn': 'accesso effettuato il {date}',
  'account.removeAccess': 'Revoca l’accesso',
  'account.removeAccessFor': 'Revoca l’accesso a {app}',
  'account.noApps': 'Nessuna app ha accesso al Suo account.',
  'account.done.confirmed': 'Il Suo indirizzo e-mail è confermato e il Suo account è attivo.',
  'account.done.profile': 'Il Suo profilo è stato salvato.',
  'account.done.name': 'Il Suo nome è stato salvato.',
  'account.done.email':
    'Il Suo profilo è stato salvato. Per cambiare indirizzo e-mail, segua il link che abbiamo inviato al nuovo indirizzo: fino ad allora resta quello attuale.',
  'account.done.password': 'La Sua password è stata cambiata. I Suoi altri dispositivi sono stati disconnessi.',
  'account.done.revoked': 'L’app non ha più accesso al Suo account.',
  'emailConfirm.title': 'Confermi il Suo nuovo indirizzo e-mail',
  'emailConfirm.lead':
    'D’ora in poi l’account <b>{username}</b> userà <b>{email}</b>. Inserisca la password dell’account per confermare.',
  'emailConfirm.submit': 'Conferma il mio nuovo indirizzo e-mail',
  'emailConfirm.notAsked': 'Non l’ha richiesto? Ignori questa pagina: l’indirizzo dell’account non cambia.',
  'emailConfirm.wrongPassword': 'La password non è corretta. Inserisca la password attuale dell’account.',
  'emailConfirm.linkNotUsable':
    'È scaduto, è già stato usato oppure è stato inviato un link più recente. Richieda di nuovo la modifica nella pagina del Suo account.',
  'emailConfirm.takenTitle': 'Questo indirizzo non è più disponibile',
  'emailConfirm.takenMessage':
    'Ora un altro account usa questo indirizzo e-mail, quindi il Suo indirizzo non è stato cambiato. Ne scelga un altro nella pagina del Suo account.',
  'emailChanged.title': 'Indirizzo e-mail cambiato',
  'emailChanged.lead': 'Ora il Suo account usa <b>{email}</b>. D’ora in poi i messaggi che lo riguardano arrivano lì.',

  'problem.passwordsDiffer': 'Le due password non coincidono.',
  'problem.passwordTooShort':
    'La password deve avere almeno {min, plural, one {# carattere} many {# di caratteri} other {# caratteri}}.',
  'problem.passwordTooLong':
    'La password può avere al massimo {max, plural, one {# carattere} many {# di caratteri} other {# caratteri}}.',
  'problem.passwordIsName': 'La password non può essere il nome utente né l’indirizzo e-mail.',
  'problem.currentPasswordIncorrect': 'La password attuale non è corretta.',
  'problem.passwordChangedMeanwhile': 'Nel frattempo la Sua password è stata cambiata: acceda di nuovo.',
  'problem.usernameTaken': 'Esiste già un utente con questo nome utente.',
  'problem.emailTaken': 'Esiste già un utente con questo indirizzo e-mail.',
  'problem.emailInvalid': 'L’indirizzo e-mail non è valido.',
  'problem.usernameInvalid': 'Il nome utente deve avere da 1 a 64 lettere, cifre, «.», «_» o «-».',
  'problem.usernameMixedScripts':
    'Il nome utente mescola lettere di alfabeti diversi ({scripts}) e così può imitare un altro nome: usi un solo alfabeto.',
  'problem.nameTooLong':
    'Il nome può avere al massimo {max, plural, one {# carattere} many {# di caratteri} other {# caratteri}}.',
  'problem.nameControl':
    'Il nome non può contenere caratteri di controllo, interruzioni di riga né forzature della direzione del testo.',
  'problem.other': '{message}',

  'device.title': 'Collega un dispositivo',
  'device.lead': 'Inserisca il codice mostrato sul Suo dispositivo.',
  'device.code': 'Codice',
  'device.note': 'Inserisca solo il codice di un dispositivo che sta configurando personalmente.',
  'device.throttled':
    'Troppi codici errati. Attenda {seconds, plural, one {# secondo} many {# di secondi} other {# secondi}}, poi riprovi.',
  'device.invalidCode': 'Il codice non è valido o è scaduto. Controlli il codice sul Suo dispositivo e riprovi.',
  'device.consentLead':
    'Un dispositivo chiede di accedere al Suo account. Approvi solo se ha avviato Lei questa operazione su un dispositivo di Sua proprietà e se mostra il codice che ha inserito.',
  'device.approve': 'Approva',
  'device.approvedTitle': 'Dispositivo collegato',
  'device.approvedLead': 'Ora <b>{app}</b> può accedere al Suo account. Può tornare al Suo dispositivo.',
  'device.deniedTitle': 'Accesso negato',
  'device.deniedLead':
    'Il dispositivo non ha ricevuto l’accesso al Suo account (<b>{app}</b>). Può chiudere questa finestra.',

  'error.busyTitle': 'Riprovi tra un momento',
  'error.busy':
    'In questo momento Gatehouse è troppo occupato per verificare la Sua password. Riprovi tra {seconds, plural, one {# secondo} many {# di secondi} other {# secondi}}.',
  'error.databaseDown': 'In questo momento Gatehouse non riesce a raggiungere il suo database.',
  'error.serverTitle': 'Si è verificato un problema',
  'error.server': 'Gatehouse non è riuscito a completare questa richiesta. Riprovi.',
  'error.methodTitle': 'Non consentito',
  'error.method': 'Questa pagina non può essere usata in questo modo.',
  'error.requestTitle': 'Questa richiesta non può essere usata',
  'error.request': 'La pagina ha ricevuto una richiesta che non può accettare.',
  'error.csrfTitle': 'Riprovi',
  'error.csrf':
    'Questo modulo è scaduto o non è stato inviato da questo sito. Torni indietro, ricarichi la pagina e riprovi. Per accedere, i cookie devono essere attivati.',
  'error.signInExpiredTitle': 'Questo link di accesso è scaduto',
  'error.signInExpired': 'Torni all’app da cui proviene e ricominci. Non è stato condiviso nulla con l’app.',
  'error.untrustedTitle': 'Questo link di accesso non funziona',
  'error.untrusted':
    'L’app da cui proviene ha fatto una richiesta che Gatehouse non può accettare: per questo Gatehouse non La rimanda all’app e non condivide nulla con essa.',
  'error.consentExpiredTitle': 'Questa pagina è scaduta',
  'error.consentExpired':
    'Questa richiesta ha già ricevuto una risposta, oppure è rimasta aperta troppo a lungo. Torni all’app e ricominci.',
  'error.logoutExpiredTitle': 'Questa richiesta di uscita è scaduta',
  'error.logoutExpired':
    'Ha già ricevuto una risposta, oppure è rimasta aperta troppo a lungo. Torni all’app ed esca di nuovo.',
  'error.languageTitle': 'Questa lingua non è disponibile',
  'error.language': 'Scelga una delle lingue elencate qui sotto.',
  'error.detail': 'Per lo sviluppatore dell’app:',
  'next.backToApp': 'Torni a <a>{app}</a> e ripeta l’accesso dall’inizio.',
  'next.signIn': 'Vai alla <a>pagina di accesso</a>.',
  'next.account': 'Vai al <a>Suo account</a>.',

  'duration.days': '{count, plural, one {# giorno} many {# di giorni} other {# giorni}}',
  'duration.hours': '{count, plural, one {# ora} many {# di ore} other {# ore}}',
  'duration.minutes': '{count, plural, one {# minuto} many {# di minuti} other {# minuti}}',
  'duration.seconds': '{count, plural, one {# secondo} many {# di secondi} other {# secondi}}',

  'mail.hello': 'Gentile {username},',
  'mail.pasteLink': 'Oppure incolli questo indirizzo nel Suo browser:',
  'mail.confirmation.subject': 'Confermi il Suo indirizzo e-mail per {site}',
  'mail.confirmation.openLink': 'Per completare la creazione del Suo account su {site}, apra questo link:',
  'mail.confirmation.intro': 'Per completare la creazione del Suo account su {site}, confermi il Suo indirizzo e-mail.',
  'mail.confirmation.button': 'Conferma il mio indirizzo e-mail',
  'mail.confirmation.outro':
    'Le verrà chiesta la password che ha scelto. Il link è valido per {expires_in}, una sola volta. Se non ha richiesto la registrazione, ignori questa e-mail: l’account non verrà attivato.',
  'mail.resetting.subject': 'Reimposti la Sua password per {site}',
  'mail.resetting.openLink':
    'Qualcuno (speriamo Lei) ha chiesto di reimpostare la password del Suo account su {site}. Per scegliere una nuova password, apra questo link:',
  'mail.resetting.intro': 'Qualcuno (speriamo Lei) ha chiesto di reimpostare la password del Suo account su {site}.',
  'mail.resetting.button': 'Scegli una nuova password',
  'mail.resetting.outro':
    'Il link è valido per {expires_in}, una sola volta. Impostare una nuova password chiude tutte le Sue sessioni e disconnette le app che usano il Suo account.',
  'mail.resetting.ignore': 'Se non l’ha richiesto, ignori questa e-mail: la Sua password resta invariata.',
  'mail.password_changed.subject': 'La Sua password per {site} è stata cambiata',
  'mail.password_changed.body': 'La password del Suo account su {site} è appena stata cambiata.',
  'mail.password_changed.notYou':
    'Se non è stato Lei, reimposti subito la password con «Password dimenticata?» nella pagina di accesso.',
  'mail.email_changed.subject': 'Il Suo indirizzo e-mail su {site} è stato cambiato',
  'mail.email_changed.body':
    'L’indirizzo e-mail del Suo account su {site} è stato cambiato in <b>{new_email}</b>. Ora i messaggi sul Suo account arrivano lì.',
  'mail.email_changed.notYou': 'Se non è stato Lei, contatti gli amministratori di {site}.',
  'mail.email_change.subject': 'Confermi il Suo nuovo indirizzo e-mail per {site}',
  'mail.email_change.openLink':
    'Ha chiesto di cambiare l’indirizzo e-mail del Suo account su {site} in questo, <b>{new_email}</b>. Per confermare, apra questo link:',
  'mail.email_change.intro':
    'Ha chiesto di cambiare l’indirizzo e-mail del Suo account su {site} in questo, <b>{new_email}</b>.',
  'mail.email_change.button': 'Conferma il mio nuovo indirizzo e-mail',
  'mail.email_change.outro':
    'Le verrà chiesta la password. Il link è valido per {expires_in}, una sola volta. Finché non lo segue, il Suo account mantiene l’indirizzo attuale. Se non l’ha richiesto, ignori questa e-mail: non cambierà nulla.',
  'mail.email_change_requested.subject': 'È stata chiesta una modifica del Suo indirizzo e-mail su {site}',
  'mail.email_change_requested.body':
    'Qualcuno che ha effettuato l’accesso al Suo account su {site} ha chiesto di cambiarne l’indirizzo e-mail in <b>{new_email}</b>. Un link di conferma è stato inviato a quell’indirizzo; il Suo indirizzo cambia solo se il link viene seguito (con la Sua password).',
  'mail.email_change_requested.notYou':
    'Se non è stato Lei, cambi subito la password (oppure usi «Password dimenticata?» nella pagina di accesso): il link non servirà più a nulla e i Suoi altri dispositivi verranno disconnessi.',
  'mail.email_in_use.subject': 'Il Suo indirizzo e-mail su {site} è stato indicato per un altro account',
  'mail.email_in_use.body':
    'Qualcuno (forse Lei, da un altro account) ha cercato di usare questo indirizzo e-mail per un account su {site}. Appartiene già al Suo account, il cui nome utente è <b>{username}</b>, e resta Suo: non è cambiato nulla.',
  'mail.email_in_use.notYou': 'Se non è stato Lei, non deve fare nulla.',
  'mail.already_registered.subject': 'Ha già un account su {site}',
  'mail.already_registered.body':
    'Qualcuno (forse Lei) ha cercato di registrarsi su {site} con questo indirizzo e-mail. Appartiene già al Suo account, il cui nome utente è <b>{username}</b>.',
  'mail.already_registered.openLink': 'Se ha dimenticato la password, può sceglierne una nuova qui:',
  'mail.already_registered.choose': 'Se ha dimenticato la password, può <a>sceglierne una nuova</a>.',
  'mail.already_registered.ignore': 'Se non è stato Lei, ignori questa e-mail: non è cambiato nulla.',
};
