import type { Catalog } from './en.js';

/** French. Apostrophes are typographic (’): a straight one starts a quotation in ICU MessageFormat. */
export const fr: Catalog = {
  'layout.title': '{title} · Gatehouse',
  'layout.languages': 'Langue',

  'login.title': 'Connexion',
  'login.titleAgain': 'Connectez-vous à nouveau',
  'login.leadApp': 'pour continuer vers <b>{app}</b>',
  'login.lead': 'avec votre compte Gatehouse',
  'login.username': 'Nom d’utilisateur',
  'login.password': 'Mot de passe',
  'login.notYou': 'Ce n’est pas vous ?',
  'login.submit': 'Se connecter',
  'login.hint': 'Vous pouvez vous connecter avec votre nom d’utilisateur ou votre adresse e-mail.',
  'login.forgot': 'Mot de passe oublié ?',
  'login.register': 'Créer un compte',
  'login.missing': 'Saisissez votre nom d’utilisateur et votre mot de passe.',
  'login.incorrect': 'Le nom d’utilisateur ou le mot de passe est incorrect.',
  'login.unconfirmed':
    'Votre adresse e-mail n’est pas encore confirmée. Suivez le lien que nous vous avons envoyé, ou utilisez « Mot de passe oublié ? » pour en recevoir un nouveau.',
  'login.busy':
    'Gatehouse est trop occupé pour vérifier votre mot de passe en ce moment. Réessayez dans {seconds, plural, one {# seconde} other {# secondes}}.',
  'login.throttled':
    'Trop de tentatives de connexion échouées. Patientez {seconds, plural, one {# seconde} other {# secondes}}, puis réessayez.',
  'login.noticeReset': 'Votre mot de passe a été modifié. Connectez-vous avec votre nouveau mot de passe.',
  'signedIn.title': 'Connecté',
  'signedIn.heading': 'Vous êtes connecté',
  'signedIn.lead': 'en tant que <b>{username}</b>.',
  'common.yourAccount': 'Votre compte',
  'common.signOut': 'Se déconnecter',
  'common.cancel': 'Annuler',
  'common.signedInAs': 'Connecté en tant que <b>{username}</b>',
  'common.backToSignIn': 'Retour à la connexion',
  'common.continue': 'Continuer',
  'common.knowWhoYouAre': 'Savoir qui vous êtes sur ce serveur',
  'common.askingFor': 'Elle demande l’autorisation de :',
  'common.deny': 'Refuser',

  'throttle.passwords':
    'Trop de mots de passe erronés. Patientez {seconds, plural, one {# seconde} other {# secondes}}, puis réessayez.',
  'throttle.network':
    'Trop de demandes depuis votre réseau. Patientez {seconds, plural, one {# seconde} other {# secondes}}, puis réessayez.',
  'password.rule':
    'Au moins {min, plural, one {# caractère} other {# caractères}} ; ni votre nom d’utilisateur ni votre adresse e-mail.',

  'consent.title': 'Autoriser l’accès',
  'consent.heading': '<b>{app}</b> souhaite accéder à votre compte',
  'consent.allow': 'Autoriser',
  'consent.sendsBack': 'Autoriser vous renvoie vers <b>{host}</b>.',
  'consent.remembered': 'Ces autorisations ne vous seront plus demandées.',
  'consent.notRemembered':
    'Elles vous seront redemandées la prochaine fois : Gatehouse ne peut pas vérifier de quelle application de votre appareil il s’agit.',

  'scope.openid': 'Vous connecter avec votre compte',
  'scope.profile': 'Voir votre nom d’utilisateur et votre nom',
  'scope.email': 'Voir votre adresse e-mail',
  'scope.offline_access': 'Garder l’accès quand vous n’utilisez pas l’application (jusqu’à ce que vous le retiriez)',

  'logout.heading': 'Se déconnecter ?',
  'logout.lead': 'Vous êtes connecté en tant que <b>{username}</b>.',
  'logout.thenAnother': 'Vous pourrez ensuite vous connecter avec un autre compte.',
  'signedOut.title': 'Déconnecté',
  'signedOut.heading': 'Vous êtes déconnecté',
  'signedOut.lead': 'Vous pouvez fermer cette fenêtre.',
  'signedOut.again': 'Se reconnecter',
  'endSession.heading': 'Se déconnecter de Gatehouse ?',
  'endSession.leadApp': '<b>{app}</b> demande à vous déconnecter.',
  'endSession.lead': 'Une application demande à vous déconnecter.',
  'endSession.otherSession':
    'L’application s’est connectée avec un autre compte ou une autre session que celle-ci. Se déconnecter met fin à la session de ce navigateur.',
  'endSession.note':
    'Se déconnecter met fin à votre session Gatehouse, et aux connexions des applications qui l’ont utilisée.',
  'stillSignedIn.title': 'Toujours connecté',
  'stillSignedIn.heading': 'Vous êtes toujours connecté',
  'stillSignedIn.lead':
    'en tant que <b>{username}</b> : votre session Gatehouse n’a pas changé (l’application vous a peut-être déjà déconnecté de son côté).',
  'stillSignedIn.backTo': 'Retour à {app}',
  'stillSignedIn.backToApp': 'Retour à l’application',

  'register.title': 'Créer un compte',
  'register.lead': 'Choisissez un nom d’utilisateur et un mot de passe.',
  'register.email': 'Adresse e-mail',
  'register.passwordAgain': 'Confirmez le mot de passe',
  'register.submit': 'Créer le compte',
  'register.haveAccount': 'J’ai déjà un compte',
  'register.closedTitle': 'Les inscriptions sont fermées',
  'register.closedMessage': 'Les comptes de ce serveur sont créés par ses administrateurs.',
  'checkEmail.title': 'Consultez vos e-mails',
  'checkEmail.signUp': 'Nous avons envoyé un lien à l’adresse indiquée. Suivez-le pour activer votre compte.',
  'checkEmail.signUpContinue':
    'Nous avons envoyé un lien à l’adresse indiquée. Suivez-le pour activer votre compte, puis revenez ici et connectez-vous pour continuer.',
  'checkEmail.reset':
    'Si le nom ou l’adresse indiqués correspondent à un compte, nous avons envoyé à son adresse e-mail un lien pour choisir un nouveau mot de passe.',
  'checkEmail.expires':
    'Le lien est valable {duration}. Rien reçu ? Regardez dans vos courriers indésirables, ou redemandez dans quelques minutes.',
  'confirm.title': 'Confirmez votre adresse e-mail',
  'confirm.lead': 'et activez le compte <b>{username}</b>. Saisissez le mot de passe choisi lors de votre inscription.',
  'confirm.submit': 'Confirmer et activer mon compte',
  'confirm.notYours':
    'Ce n’est pas votre compte ? Alors quelqu’un d’autre s’est inscrit avec votre adresse : ignorez cette page et l’e-mail, et le compte ne sera pas activé.',
  'confirm.wrongPassword':
    'Le mot de passe est incorrect. Saisissez le mot de passe choisi lors de votre inscription (ou inscrivez-vous à nouveau pour en choisir un autre).',
  'confirm.linkNotUsable':
    'Il a expiré, a déjà servi, ou un lien plus récent a été envoyé. Si votre compte n’est pas encore actif, demandez un nouveau lien avec « Mot de passe oublié ? » sur la page de connexion.',
  'link.notUsableTitle': 'Ce lien ne fonctionne plus',

  'reset.title': 'Réinitialiser votre mot de passe',
  'reset.lead':
    'Saisissez votre nom d’utilisateur ou votre adresse e-mail. S’il correspond à un compte, nous vous enverrons un lien pour choisir un nouveau mot de passe.',
  'reset.login': 'Nom d’utilisateur ou adresse e-mail',
  'reset.submit': 'M’envoyer un lien',
  'reset.missing': 'Saisissez votre nom d’utilisateur ou votre adresse e-mail.',
  'reset.linkNotUsable':
    'Il a expiré, a déjà servi, ou un lien plus récent a été envoyé. Demandez-en un nouveau sur la page « Mot de passe oublié ? ».',
  'resetPassword.title': 'Choisissez un nouveau mot de passe',
  'resetPassword.lead':
    'pour <b>{username}</b>. Vous serez déconnecté partout, et les applications qui utilisent votre compte devront être autorisées à nouveau.',
  'resetPassword.new': 'Nouveau mot de passe',
  'resetPassword.newAgain': 'Confirmez le nouveau mot de passe',
  'resetPassword.submit': 'Enregistrer mon nouveau mot de passe',

  'account.title': 'Votre compte',
  'account.lead': 'Connecté en tant que <b>{username}</b>.',
  'account.nameHeading': 'Votre nom',
  'account.nameLead': 'Les applications auxquelles vous vous connectez avec ce compte voient ce nom.',
  'account.name': 'Nom',
  'account.saveName': 'Enregistrer le nom',
  'account.profileHeading': 'Profil',
  'account.verified': 'Cette adresse est vérifiée : vous avez suivi un lien que nous y avons envoyé.',
  'account.unverified':
    'Cette adresse n’est pas encore vérifiée, et les applications en sont informées. La changer envoie un lien à la nouvelle adresse, ce qui la vérifie.',
  'account.currentPassword': 'Mot de passe actuel',
  'account.saveProfile': 'Enregistrer le profil',
  'account.passwordHeading': 'Changer de mot de passe',
  'account.changePassword': 'Changer de mot de passe',
  'account.passwordNote': '{rule} Le changer vous déconnecte de vos autres appareils.',
  'account.appsHeading': 'Applications autorisées',
  'account.noScopes': 'aucune portée',
  'account.allowedOn': 'autorisée le {date}',
  'account.signedInOn': 'connectée le {date}',
  'account.removeAccess': 'Retirer l’accès',
  'account.removeAccessFor': 'Retirer l’accès de {app}',
  'account.noApps': 'Aucune application n’a accès à votre compte.',
  'account.done.confirmed': 'Votre adresse e-mail est confirmée et votre compte est actif.',
  'account.done.profile': 'Votre profil a été enregistré.',
  'account.done.name': 'Votre nom a été enregistré.',
  'account.done.email':
    'Votre profil a été enregistré. Pour changer d’adresse e-mail, suivez le lien envoyé à la nouvelle adresse : d’ici là, votre adresse actuelle reste la même.',
  'account.done.password': 'Votre mot de passe a été modifié. Vos autres appareils ont été déconnectés.',
  'account.done.revoked': 'L’application n’a plus accès à votre compte.',
  'emailConfirm.title': 'Confirmez votre nouvelle adresse e-mail',
  'emailConfirm.lead':
    'Le compte <b>{username}</b> utilisera désormais <b>{email}</b>. Saisissez le mot de passe du compte pour confirmer.',
  'emailConfirm.submit': 'Confirmer ma nouvelle adresse e-mail',
  'emailConfirm.notAsked': 'Vous n’avez rien demandé ? Ignorez cette page : l’adresse du compte ne change pas.',
  'emailConfirm.wrongPassword': 'Le mot de passe est incorrect. Saisissez le mot de passe actuel du compte.',
  'emailConfirm.linkNotUsable':
    'Il a expiré, a déjà servi, ou un lien plus récent a été envoyé. Redemandez le changement sur la page de votre compte.',
  'emailConfirm.takenTitle': 'Cette adresse n’est plus libre',
  'emailConfirm.takenMessage':
    'Un autre compte utilise désormais cette adresse e-mail : la vôtre n’a donc pas été changée. Choisissez-en une autre sur la page de votre compte.',
  'emailChanged.title': 'Adresse e-mail modifiée',
  'emailChanged.lead':
    'Votre compte utilise désormais <b>{email}</b>. Les messages qui le concernent y sont envoyés à partir de maintenant.',

  'problem.passwordsDiffer': 'Les deux mots de passe ne sont pas identiques.',
  'problem.passwordTooShort':
    'Le mot de passe doit comporter au moins {min, plural, one {# caractère} other {# caractères}}.',
  'problem.passwordTooLong':
    'Le mot de passe doit comporter au plus {max, plural, one {# caractère} other {# caractères}}.',
  'problem.passwordIsName': 'Le mot de passe ne doit être ni le nom d’utilisateur ni l’adresse e-mail.',
  'problem.currentPasswordIncorrect': 'Le mot de passe actuel est incorrect.',
  'problem.passwordChangedMeanwhile': 'Votre mot de passe a été changé entre-temps : reconnectez-vous.',
  'problem.usernameTaken': 'Un utilisateur avec ce nom existe déjà.',
  'problem.emailTaken': 'Un utilisateur avec cette adresse e-mail existe déjà.',
  'problem.emailInvalid': 'L’adresse e-mail n’est pas valide.',
  'problem.usernameInvalid': 'Le nom d’utilisateur doit compter de 1 à 64 lettres, chiffres, « . », « _ » ou « - ».',
  'problem.usernameMixedScripts':
    'Le nom d’utilisateur mélange des lettres de plusieurs écritures ({scripts}), ce qui peut imiter un autre nom : n’en utilisez qu’une.',
  'problem.nameTooLong': 'Le nom doit comporter au plus {max, plural, one {# caractère} other {# caractères}}.',
  'problem.nameControl':
    'Le nom ne doit contenir ni caractères de contrôle, ni sauts de ligne, ni forçages du sens d’écriture.',
  'problem.other': '{message}',

  'device.title': 'Connecter un appareil',
  'device.lead': 'Saisissez le code affiché sur votre appareil.',
  'device.code': 'Code',
  'device.note': 'Ne saisissez qu’un code d’un appareil que vous configurez vous-même.',
  'device.throttled':
    'Trop de codes erronés. Patientez {seconds, plural, one {# seconde} other {# secondes}}, puis réessayez.',
  'device.invalidCode': 'Ce code n’est pas valide ou a expiré. Vérifiez le code sur votre appareil et réessayez.',
  'device.consentLead':
    'Un appareil demande l’accès à votre compte. N’approuvez que si vous avez lancé cette démarche sur un appareil qui vous appartient et qu’il affiche le code saisi.',
  'device.approve': 'Approuver',
  'device.approvedTitle': 'Appareil connecté',
  'device.approvedLead':
    '<b>{app}</b> peut désormais accéder à votre compte. Vous pouvez retourner sur votre appareil.',
  'device.deniedTitle': 'Accès refusé',
  'device.deniedLead':
    'L’appareil n’a pas reçu l’accès à votre compte (<b>{app}</b>). Vous pouvez fermer cette fenêtre.',

  'error.busyTitle': 'Réessayez dans un instant',
  'error.busy':
    'Gatehouse est trop occupé pour vérifier votre mot de passe en ce moment. Réessayez dans {seconds, plural, one {# seconde} other {# secondes}}.',
  'error.databaseDown': 'Gatehouse ne parvient pas à joindre sa base de données en ce moment.',
  'error.serverTitle': 'Une erreur s’est produite',
  'error.server': 'Gatehouse n’a pas pu terminer cette demande. Veuillez réessayer.',
  'error.methodTitle': 'Non autorisé',
  'error.method': 'Cette page ne peut pas être utilisée ainsi.',
  'error.requestTitle': 'Cette demande ne peut pas être utilisée',
  'error.request': 'La page a reçu une demande qu’elle ne peut pas accepter.',
  'error.csrfTitle': 'Veuillez réessayer',
  'error.csrf':
    'Ce formulaire a expiré ou n’a pas été envoyé depuis ce site. Revenez en arrière, rechargez la page et réessayez. Les cookies doivent être activés pour se connecter.',
  'error.signInExpiredTitle': 'Ce lien de connexion a expiré',
  'error.signInExpired': 'Retournez à l’application d’où vous venez et recommencez. Rien ne lui a été transmis.',
  'error.untrustedTitle': 'Ce lien de connexion ne fonctionne pas',
  'error.untrusted':
    'L’application qui vous a envoyé ici a fait une demande que Gatehouse ne peut pas accepter : vous n’y avez donc pas été renvoyé, et rien n’a été transmis.',
  'error.consentExpiredTitle': 'Cette page a expiré',
  'error.consentExpired':
    'Cette demande a déjà reçu une réponse, ou est restée ouverte trop longtemps. Retournez à l’application et recommencez.',
  'error.logoutExpiredTitle': 'Cette demande de déconnexion a expiré',
  'error.logoutExpired':
    'Elle a déjà reçu une réponse, ou est restée ouverte trop longtemps. Retournez à l’application et déconnectez-vous à nouveau.',
  'error.languageTitle': 'Cette langue n’est pas disponible',
  'error.language': 'Choisissez l’une des langues ci-dessous.',
  'error.detail': 'Pour le développeur de l’application :',
  'next.backToApp': 'Retournez à <a>{app}</a> et recommencez la connexion.',
  'next.signIn': 'Aller à la <a>page de connexion</a>.',
  'next.account': 'Aller à <a>votre compte</a>.',

  'duration.days': '{count, plural, one {# jour} other {# jours}}',
  'duration.hours': '{count, plural, one {# heure} other {# heures}}',
  'duration.minutes': '{count, plural, one {# minute} other {# minutes}}',
  'duration.seconds': '{count, plural, one {# seconde} other {# secondes}}',

  'mail.hello': 'Bonjour {username},',
  'mail.pasteLink': 'Ou collez cette adresse dans votre navigateur :',
  'mail.confirmation.subject': 'Confirmez votre adresse e-mail pour {site}',
  'mail.confirmation.openLink': 'Pour terminer la création de votre compte sur {site}, ouvrez ce lien :',
  'mail.confirmation.intro': 'Pour terminer la création de votre compte sur {site}, confirmez votre adresse e-mail.',
  'mail.confirmation.button': 'Confirmer mon adresse e-mail',
  'mail.confirmation.outro':
    'Le mot de passe que vous avez choisi vous sera demandé. Le lien est valable {expires_in}, une seule fois. Si vous ne vous êtes pas inscrit, ignorez cet e-mail : le compte ne sera pas activé.',
  'mail.resetting.subject': 'Réinitialisez votre mot de passe pour {site}',
  'mail.resetting.openLink':
    'Quelqu’un (vous, espérons-le) a demandé à réinitialiser le mot de passe de votre compte sur {site}. Pour choisir un nouveau mot de passe, ouvrez ce lien :',
  'mail.resetting.intro':
    'Quelqu’un (vous, espérons-le) a demandé à réinitialiser le mot de passe de votre compte sur {site}.',
  'mail.resetting.button': 'Choisir un nouveau mot de passe',
  'mail.resetting.outro':
    'Le lien est valable {expires_in}, une seule fois. Choisir un nouveau mot de passe vous déconnecte partout et déconnecte les applications qui utilisent votre compte.',
  'mail.resetting.ignore': 'Si vous n’avez rien demandé, ignorez cet e-mail : votre mot de passe reste inchangé.',
  'mail.password_changed.subject': 'Votre mot de passe pour {site} a été modifié',
  'mail.password_changed.body': 'Le mot de passe de votre compte sur {site} vient d’être modifié.',
  'mail.password_changed.notYou':
    'Si ce n’était pas vous, réinitialisez dès maintenant votre mot de passe avec « Mot de passe oublié ? » sur la page de connexion.',
  'mail.email_changed.subject': 'Votre adresse e-mail sur {site} a été modifiée',
  'mail.email_changed.body':
    'L’adresse e-mail de votre compte sur {site} a été remplacée par <b>{new_email}</b>. Les messages concernant votre compte y sont désormais envoyés.',
  'mail.email_changed.notYou': 'Si ce n’était pas vous, contactez les administrateurs de {site}.',
  'mail.email_change.subject': 'Confirmez votre nouvelle adresse e-mail pour {site}',
  'mail.email_change.openLink':
    'Vous avez demandé à remplacer l’adresse e-mail de votre compte sur {site} par celle-ci, <b>{new_email}</b>. Pour confirmer, ouvrez ce lien :',
  'mail.email_change.intro':
    'Vous avez demandé à remplacer l’adresse e-mail de votre compte sur {site} par celle-ci, <b>{new_email}</b>.',
  'mail.email_change.button': 'Confirmer ma nouvelle adresse e-mail',
  'mail.email_change.outro':
    'Votre mot de passe vous sera demandé. Le lien est valable {expires_in}, une seule fois. Tant que vous ne l’avez pas suivi, votre compte garde son adresse actuelle. Si vous n’avez rien demandé, ignorez cet e-mail : rien ne changera.',
  'mail.email_change_requested.subject': 'Un changement de votre adresse e-mail sur {site} a été demandé',
  'mail.email_change_requested.body':
    'Une personne connectée à votre compte sur {site} a demandé à remplacer son adresse e-mail par <b>{new_email}</b>. Un lien de confirmation y a été envoyé ; votre adresse ne change que s’il est suivi (avec votre mot de passe).',
  'mail.email_change_requested.notYou':
    'Si ce n’était pas vous, changez votre mot de passe dès maintenant (ou utilisez « Mot de passe oublié ? » sur la page de connexion) : le lien ne servira alors plus à rien, et vos autres appareils seront déconnectés.',
  'mail.email_in_use.subject': 'Votre adresse e-mail sur {site} a été indiquée pour un autre compte',
  'mail.email_in_use.body':
    'Quelqu’un (peut-être vous, depuis un autre compte) a tenté de faire de cette adresse e-mail celle d’un compte sur {site}. Elle appartient déjà à votre compte, dont le nom d’utilisateur est <b>{username}</b>, et elle le reste : rien n’a changé.',
  'mail.email_in_use.notYou': 'Si ce n’était pas vous, vous n’avez rien à faire.',
  'mail.already_registered.subject': 'Vous avez déjà un compte sur {site}',
  'mail.already_registered.body':
    'Quelqu’un (peut-être vous) a tenté de s’inscrire sur {site} avec cette adresse e-mail. Elle appartient déjà à votre compte, dont le nom d’utilisateur est <b>{username}</b>.',
  'mail.already_registered.openLink': 'Si vous avez oublié votre mot de passe, vous pouvez en choisir un nouveau ici :',
  'mail.already_registered.choose': 'Si vous avez oublié votre mot de passe, vous pouvez <a>en choisir un nouveau</a>.',
  'mail.already_registered.ignore': 'Si ce n’était pas vous, ignorez cet e-mail : rien n’a changé.',
};
