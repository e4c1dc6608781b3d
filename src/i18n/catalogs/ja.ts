import type { Catalog } from './en.js';

/** Japanese. Its plural rules have one form: every plural is {n, plural, other {…}}. */
export const ja: Catalog = {
  'layout.title': '{title} · Gatehouse',
  'layout.languages': '言語',

  'login.title': 'サインイン',
  'login.titleAgain': 'もう一度サインイン',
  'login.leadApp': '<b>{app}</b> に進むには',
  'login.lead': 'Gatehouse アカウントで',
  'login.username': 'ユーザー名',
  'login.password': 'パスワード',
  'login.notYou': 'ご本人ではありませんか？',
  'login.submit': 'サインイン',
  'login.hint': 'ユーザー名またはメールアドレスでサインインできます。',
  'login.forgot': 'パスワードをお忘れですか？',
  'login.register': 'アカウントを作成',
  'login.missing': 'ユーザー名とパスワードを入力してください。',
  'login.incorrect': 'ユーザー名またはパスワードが正しくありません。',
  'login.unconfirmed':
    'メールアドレスがまだ確認されていません。お送りしたリンクを開くか、「パスワードをお忘れですか？」から新しいリンクを受け取ってください。',
  'login.busy':
    'Gatehouse は現在混み合っていて、パスワードを確認できません。{seconds, plural, other {#秒}}後にもう一度お試しください。',
  'login.throttled': 'サインインの失敗が多すぎます。{seconds, plural, other {#秒}}待ってから、もう一度お試しください。',
  'login.noticeReset': 'パスワードを変更しました。新しいパスワードでサインインしてください。',
  'signedIn.title': 'サインイン済み',
  'signedIn.heading': 'サインインしています',
  'signedIn.lead': 'ユーザー：<b>{username}</b>',
  'common.yourAccount': 'アカウント',
  'common.signOut': 'サインアウト',
  'common.cancel': 'キャンセル',
  'common.signedInAs': '<b>{username}</b> としてサインイン中',
  'common.backToSignIn': 'サインインに戻る',
  'common.continue': '続ける',
  'common.knowWhoYouAre': 'このサーバーでのあなたの身元を確認する',
  'common.askingFor': '次の許可を求めています：',
  'common.deny': '拒否',

  'throttle.passwords':
    '誤ったパスワードが多すぎます。{seconds, plural, other {#秒}}待ってから、もう一度お試しください。',
  'throttle.network':
    'お使いのネットワークからのリクエストが多すぎます。{seconds, plural, other {#秒}}待ってから、もう一度お試しください。',
  'password.rule': '{min, plural, other {#文字}}以上で、ユーザー名やメールアドレスと同じにしないでください。',

  'scope.openid': 'あなたのアカウントでサインインする',
  'scope.profile': 'ユーザー名と名前を見る',
  'scope.email': 'メールアドレスを見る',
  'scope.offline_access': 'アプリを使っていない間もアクセスを保つ（取り消すまで）',

  'consent.title': 'アクセスの許可',
  'consent.heading': '<b>{app}</b> があなたのアカウントへのアクセスを求めています',
  'consent.allow': '許可',
  'consent.sendsBack': '許可すると <b>{host}</b> に戻ります。',
  'consent.remembered': 'これらの許可を再び求められることはありません。',
  'consent.notRemembered': '次回も確認されます。Gatehouse は、これがお使いの端末のどのアプリなのかを確認できません。',

  'logout.heading': 'サインアウトしますか？',
  'logout.lead': '<b>{username}</b> としてサインインしています。',
  'logout.thenAnother': 'その後、別のアカウントでサインインできます。',
  'signedOut.title': 'サインアウト済み',
  'signedOut.heading': 'サインアウトしました',
  'signedOut.lead': 'このウィンドウは閉じてかまいません。',
  'signedOut.again': 'もう一度サインイン',
  'endSession.heading': 'Gatehouse からサインアウトしますか？',
  'endSession.leadApp': '<b>{app}</b> がサインアウトを求めています。',
  'endSession.lead': 'アプリがサインアウトを求めています。',
  'endSession.otherSession':
    'アプリは、このセッションとは別のアカウントまたはセッションでサインインしていました。サインアウトすると、このブラウザーのセッションが終了します。',
  'endSession.note': 'サインアウトすると、Gatehouse のセッションと、それを使ったアプリのサインインが終了します。',
  'stillSignedIn.title': 'サインインしたままです',
  'stillSignedIn.heading': 'サインインしたままです',
  'stillSignedIn.lead':
    '<b>{username}</b>：Gatehouse のセッションは変わっていません（アプリ側ではすでにサインアウトしている場合があります）。',
  'stillSignedIn.backTo': '{app} に戻る',
  'stillSignedIn.backToApp': 'アプリに戻る',

  'register.title': 'アカウントを作成',
  'register.lead': 'ユーザー名とパスワードを決めてください。',
  'register.email': 'メールアドレス',
  'register.passwordAgain': 'パスワード（確認）',
  'register.submit': 'アカウントを作成',
  'register.haveAccount': 'すでにアカウントをお持ちの方',
  'register.closedTitle': '新規登録は受け付けていません',
  'register.closedMessage': 'このサーバーのアカウントは管理者が作成します。',
  'checkEmail.title': 'メールを確認してください',
  'checkEmail.signUp': '入力されたアドレスにリンクを送りました。リンクを開いてアカウントを有効にしてください。',
  'checkEmail.signUpContinue':
    '入力されたアドレスにリンクを送りました。リンクを開いてアカウントを有効にしたら、ここに戻ってサインインし、続けてください。',
  'checkEmail.reset':
    '入力された名前またはアドレスがアカウントのものであれば、新しいパスワードを設定するためのリンクをそのメールアドレスに送りました。',
  'checkEmail.expires':
    'リンクの有効期間は{duration}です。届いていない場合は、迷惑メールフォルダーを確認するか、数分後にもう一度お試しください。',
  'confirm.title': 'メールアドレスの確認',
  'confirm.lead': 'アカウント <b>{username}</b> を有効にします。登録時に決めたパスワードを入力してください。',
  'confirm.submit': '確認してアカウントを有効にする',
  'confirm.notYours':
    'ご自身のアカウントではありませんか？ 誰かがあなたのアドレスで登録したものです。このページとメールを無視すれば、アカウントは有効になりません。',
  'confirm.wrongPassword':
    'パスワードが正しくありません。登録時に決めたパスワードを入力してください（別のパスワードにするには、もう一度登録してください）。',
  'confirm.linkNotUsable':
    '有効期限が切れたか、すでに使われたか、新しいリンクが送られています。アカウントがまだ有効でない場合は、サインインページの「パスワードをお忘れですか？」から新しいリンクを受け取ってください。',
  'link.notUsableTitle': 'このリンクは使えなくなりました',

  'reset.title': 'パスワードの再設定',
  'reset.lead':
    'ユーザー名またはメールアドレスを入力してください。アカウントが見つかれば、新しいパスワードを設定するためのリンクをメールでお送りします。',
  'reset.login': 'ユーザー名またはメールアドレス',
  'reset.submit': 'リンクを送る',
  'reset.missing': 'ユーザー名またはメールアドレスを入力してください。',
  'reset.linkNotUsable':
    '有効期限が切れたか、すでに使われたか、新しいリンクが送られています。「パスワードをお忘れですか？」のページから新しいリンクを受け取ってください。',
  'resetPassword.title': '新しいパスワードの設定',
  'resetPassword.lead':
    '対象：<b>{username}</b>。すべての場所でサインアウトされ、アカウントを使うアプリはもう一度許可が必要になります。',
  'resetPassword.new': '新しいパスワード',
  'resetPassword.newAgain': '新しいパスワード（確認）',
  'resetPassword.submit': '新しいパスワードを設定',

  'account.title': 'アカウント',
  'account.lead': '<b>{username}</b> としてサインイン中です。',
  'account.nameHeading': '名前',
  'account.nameLead': 'このアカウントでサインインするアプリには、この名前が表示されます。',
  'account.name': '名前',
  'account.saveName': '名前を保存',
  'account.profileHeading': 'プロフィール',
  'account.verified': 'このアドレスは確認済みです（お送りしたリンクが開かれました）。',
  'account.unverified':
    'このアドレスはまだ確認されておらず、アプリにもそう伝えられます。変更すると新しいアドレスにリンクが送られ、それで確認されます。',
  'account.currentPassword': '現在のパスワード',
  'account.saveProfile': 'プロフィールを保存',
  'account.passwordHeading': 'パスワードの変更',
  'account.changePassword': 'パスワードを変更',
  'account.passwordNote': '{rule} 変更すると、ほかの端末ではサインアウトされます。',
  'account.appsHeading': 'アクセスできるアプリ',
  'account.noScopes': 'スコープなし',
  'account.allowedOn': '{date}に許可',
  'account.signedInOn': '{date}にサインイン',
  'account.removeAccess': 'アクセスを取り消す',
  'account.removeAccessFor': '{app} のアクセスを取り消す',
  'account.noApps': 'あなたのアカウントにアクセスできるアプリはありません。',
  'account.done.confirmed': 'メールアドレスが確認され、アカウントが有効になりました。',
  'account.done.profile': 'プロフィールを保存しました。',
  'account.done.name': '名前を保存しました。',
  'account.done.email':
    'プロフィールを保存しました。メールアドレスを変更するには、新しいアドレスに送ったリンクを開いてください。それまでは現在のアドレスのままです。',
  'account.done.password': 'パスワードを変更しました。ほかの端末はサインアウトされました。',
  'account.done.revoked': 'このアプリはあなたのアカウントにアクセスできなくなりました。',
  'emailConfirm.title': '新しいメールアドレスの確認',
  'emailConfirm.lead':
    'アカウント <b>{username}</b> は今後 <b>{email}</b> を使います。確認のため、アカウントのパスワードを入力してください。',
  'emailConfirm.submit': '新しいメールアドレスを確認',
  'emailConfirm.notAsked':
    '心当たりがありませんか？ このページは無視してください。アカウントのアドレスは変わりません。',
  'emailConfirm.wrongPassword': 'パスワードが正しくありません。アカウントの現在のパスワードを入力してください。',
  'emailConfirm.linkNotUsable':
    '有効期限が切れたか、すでに使われたか、新しいリンクが送られています。アカウントのページからもう一度変更を申請してください。',
  'emailConfirm.takenTitle': 'このアドレスはもう使えません',
  'emailConfirm.takenMessage':
    'このメールアドレスは現在ほかのアカウントが使っているため、アドレスは変更されませんでした。アカウントのページで別のアドレスを選んでください。',
  'emailChanged.title': 'メールアドレスを変更しました',
  'emailChanged.lead':
    'アカウントは今後 <b>{email}</b> を使います。アカウントに関するお知らせはこのアドレスに届きます。',

  'problem.passwordsDiffer': '2つのパスワードが一致しません。',
  'problem.passwordTooShort': 'パスワードは{min, plural, other {#文字}}以上にしてください。',
  'problem.passwordTooLong': 'パスワードは{max, plural, other {#文字}}以下にしてください。',
  'problem.passwordIsName': 'パスワードをユーザー名やメールアドレスと同じにしないでください。',
  'problem.currentPasswordIncorrect': '現在のパスワードが正しくありません。',
  'problem.passwordChangedMeanwhile': 'その間にパスワードが変更されました。もう一度サインインしてください。',
  'problem.usernameTaken': 'このユーザー名はすでに使われています。',
  'problem.emailTaken': 'このメールアドレスはすでに使われています。',
  'problem.emailInvalid': 'メールアドレスが正しくありません。',
  'problem.usernameInvalid': 'ユーザー名は1〜64文字の英字、数字、「.」「_」「-」にしてください。',
  'problem.usernameMixedScripts':
    'ユーザー名に複数の文字体系（{scripts}）が混在しており、ほかの名前になりすませます。1つの文字体系にしてください。',
  'problem.nameTooLong': '名前は{max, plural, other {#文字}}以下にしてください。',
  'problem.nameControl': '名前に制御文字、改行、書字方向の上書きを含めないでください。',
  'problem.other': '{message}',

  'device.title': '端末を接続',
  'device.lead': '端末に表示されたコードを入力してください。',
  'device.code': 'コード',
  'device.note': 'ご自身で設定している端末のコードだけを入力してください。',
  'device.throttled': '誤ったコードが多すぎます。{seconds, plural, other {#秒}}待ってから、もう一度お試しください。',
  'device.invalidCode': 'このコードは無効か、有効期限が切れています。端末のコードを確認して、もう一度お試しください。',
  'device.consentLead':
    '端末があなたのアカウントへのアクセスを求めています。ご自身の端末で始めた操作で、入力したコードが表示されている場合にだけ承認してください。',
  'device.approve': '承認',
  'device.approvedTitle': '端末を接続しました',
  'device.approvedLead': '<b>{app}</b> があなたのアカウントにアクセスできるようになりました。端末に戻ってください。',
  'device.deniedTitle': 'アクセスを拒否しました',
  'device.deniedLead':
    '端末にはアカウントへのアクセスが与えられませんでした（<b>{app}</b>）。このウィンドウは閉じてかまいません。',

  'error.busyTitle': 'しばらくしてからもう一度お試しください',
  'error.busy':
    'Gatehouse は現在混み合っていて、パスワードを確認できません。{seconds, plural, other {#秒}}後にもう一度お試しください。',
  'error.databaseDown': 'Gatehouse は現在データベースに接続できません。',
  'error.serverTitle': '問題が発生しました',
  'error.server': 'Gatehouse はこのリクエストを完了できませんでした。もう一度お試しください。',
  'error.methodTitle': '許可されていません',
  'error.method': 'このページはその方法では使えません。',
  'error.requestTitle': 'このリクエストは使えません',
  'error.request': 'このページは受け付けられないリクエストを受け取りました。',
  'error.csrfTitle': 'もう一度お試しください',
  'error.csrf':
    'このフォームは有効期限が切れたか、このサイトから送信されていません。前のページに戻り、再読み込みしてからもう一度お試しください。サインインには Cookie を有効にする必要があります。',
  'error.signInExpiredTitle': 'このサインインリンクは有効期限が切れています',
  'error.signInExpired': '元のアプリに戻って、最初からやり直してください。アプリには何も共有されていません。',
  'error.untrustedTitle': 'このサインインリンクは使えません',
  'error.untrusted':
    'ここへ案内したアプリが Gatehouse の受け付けられないリクエストを送ったため、アプリには戻されず、何も共有されていません。',
  'error.consentExpiredTitle': 'このページは有効期限が切れています',
  'error.consentExpired':
    'このリクエストにはすでに回答済みか、開いたままの時間が長すぎました。アプリに戻って、最初からやり直してください。',
  'error.logoutExpiredTitle': 'このサインアウトのリクエストは有効期限が切れています',
  'error.logoutExpired':
    'すでに回答済みか、開いたままの時間が長すぎました。アプリに戻って、もう一度サインアウトしてください。',
  'error.languageTitle': 'この言語は利用できません',
  'error.language': '下の一覧から言語を選んでください。',
  'error.detail': 'アプリの開発者向け：',
  'next.backToApp': '<a>{app}</a> に戻って、サインインをやり直してください。',
  'next.signIn': '<a>サインインページ</a>へ進む。',
  'next.account': '<a>アカウント</a>へ進む。',

  'duration.days': '{count, plural, other {#日}}',
  'duration.hours': '{count, plural, other {#時間}}',
  'duration.minutes': '{count, plural, other {#分}}',
  'duration.seconds': '{count, plural, other {#秒}}',

  'mail.hello': '{username} 様',
  'mail.pasteLink': 'または、このアドレスをブラウザーに貼り付けてください：',
  'mail.confirmation.subject': '{site} のメールアドレスの確認',
  'mail.confirmation.openLink': '{site} のアカウント作成を完了するには、このリンクを開いてください：',
  'mail.confirmation.intro': '{site} のアカウント作成を完了するには、メールアドレスを確認してください。',
  'mail.confirmation.button': 'メールアドレスを確認',
  'mail.confirmation.outro':
    '登録時に決めたパスワードの入力を求められます。リンクの有効期間は{expires_in}で、1回だけ使えます。登録した覚えがない場合は、このメールを無視してください。アカウントは有効になりません。',
  'mail.resetting.subject': '{site} のパスワードの再設定',
  'mail.resetting.openLink':
    '{site} のアカウントのパスワード再設定が申請されました。新しいパスワードを設定するには、このリンクを開いてください：',
  'mail.resetting.intro': '{site} のアカウントのパスワード再設定が申請されました。',
  'mail.resetting.button': '新しいパスワードを設定',
  'mail.resetting.outro':
    'リンクの有効期間は{expires_in}で、1回だけ使えます。新しいパスワードを設定すると、すべての場所でサインアウトされ、アカウントを使うアプリも切断されます。',
  'mail.resetting.ignore': '申請した覚えがない場合は、このメールを無視してください。パスワードは変わりません。',
  'mail.password_changed.subject': '{site} のパスワードが変更されました',
  'mail.password_changed.body': '{site} のアカウントのパスワードが変更されました。',
  'mail.password_changed.notYou':
    'ご自身による変更でない場合は、サインインページの「パスワードをお忘れですか？」から、すぐにパスワードを再設定してください。',
  'mail.email_changed.subject': '{site} のメールアドレスが変更されました',
  'mail.email_changed.body':
    '{site} のアカウントのメールアドレスが <b>{new_email}</b> に変更されました。今後、アカウントに関するお知らせはそちらに届きます。',
  'mail.email_changed.notYou': 'ご自身による変更でない場合は、{site} の管理者に連絡してください。',
  'mail.email_change.subject': '{site} の新しいメールアドレスの確認',
  'mail.email_change.openLink':
    '{site} のアカウントのメールアドレスを、このアドレス <b>{new_email}</b> に変更する申請がありました。確認するには、このリンクを開いてください：',
  'mail.email_change.intro':
    '{site} のアカウントのメールアドレスを、このアドレス <b>{new_email}</b> に変更する申請がありました。',
  'mail.email_change.button': '新しいメールアドレスを確認',
  'mail.email_change.outro':
    'パスワードの入力を求められます。リンクの有効期間は{expires_in}で、1回だけ使えます。リンクを開くまで、アカウントは現在のアドレスのままです。申請した覚えがない場合は、このメールを無視してください。何も変わりません。',
  'mail.email_change_requested.subject': '{site} のメールアドレスの変更が申請されました',
  'mail.email_change_requested.body':
    '{site} のあなたのアカウントにサインインしている人が、メールアドレスを <b>{new_email}</b> に変更する申請をしました。確認のリンクはそちらに送られ、（あなたのパスワードとともに）開かれた場合にだけアドレスが変わります。',
  'mail.email_change_requested.notYou':
    'ご自身による申請でない場合は、すぐにパスワードを変更してください（またはサインインページの「パスワードをお忘れですか？」を使ってください）。リンクは無効になり、ほかの端末はサインアウトされます。',
  'mail.email_in_use.subject': '{site} のあなたのメールアドレスが別のアカウントに指定されました',
  'mail.email_in_use.body':
    '誰か（別のアカウントのあなたかもしれません）が、このメールアドレスを {site} のアカウントのアドレスにしようとしました。このアドレスはすでにユーザー名 <b>{username}</b> のあなたのアカウントのもので、引き続きあなたのものです。何も変わっていません。',
  'mail.email_in_use.notYou': 'ご自身でない場合も、何もする必要はありません。',
  'mail.already_registered.subject': '{site} にはすでにアカウントがあります',
  'mail.already_registered.body':
    '誰か（あなたかもしれません）が、このメールアドレスで {site} に登録しようとしました。このアドレスはすでにユーザー名 <b>{username}</b> のあなたのアカウントのものです。',
  'mail.already_registered.openLink': 'パスワードを忘れた場合は、こちらで新しいパスワードを設定できます：',
  'mail.already_registered.choose': 'パスワードを忘れた場合は、<a>新しいパスワードを設定</a>できます。',
  'mail.already_registered.ignore': 'ご自身でない場合は、このメールを無視してください。何も変わっていません。',
};
