# EcrAuth: log a container client into Amazon ECR.
#
# The four public commands are ordinary advanced functions: real param blocks, parameter sets,
# comment-based help (Get-Help reads it from here; about_EcrAuth is in en-US/). The repeat check
# (a login still valid: nothing to do) is here too; everything else lives in Private/*.ps1,
# dot-sourced when first needed (Import-EcrPrivate), and the native library loads when a login
# really runs. So `Import-Module EcrAuth; Auth-ECR ...` in a $PROFILE, while the last login is
# valid, compiles only that path and calls no cmdlet that would autoload another module
# (benches/bench.ps1 measures it; a test checks that it loads neither
# Microsoft.PowerShell.Utility nor Microsoft.PowerShell.Management).
#
# Windows PowerShell 5.1 compatible: no ?:, ??, &&, ||, ?. in any module file (a test checks).

# -SecretKey's argument transformation (a string or a SecureString) is EcrAuth.dll's
# [EcrAuth.SecretKeyTransformation()] (module/EcrAuth.Commands), loaded by the manifest.

function Import-EcrPrivate {
    # Dot-sources Private/<name>.ps1 once per import (their functions are script: scoped). No
    # Join-Path/Test-Path: their module, Microsoft.PowerShell.Management, costs ~110 ms to load.
    param([string[]] $Name)
    foreach ($file in $Name) {
        if (-not $script:EcrLoaded.ContainsKey($file)) {
            . ([System.IO.Path]::Combine($PSScriptRoot, 'Private', "$file.ps1"))
            $script:EcrLoaded[$file] = $true
        }
    }
}
$script:EcrLoaded = @{}

function Write-EcrFailure {
    # Writes a per-registry error. An unknown profile is also a warning when errors are hidden
    # (the README's `$PROFILE` line uses -ErrorAction SilentlyContinue): a typo must not pass unseen.
    param([System.Management.Automation.PSCmdlet] $Cmdlet, [System.Management.Automation.ErrorRecord] $Record)
    $hidden = $ErrorActionPreference -eq 'SilentlyContinue' -or $ErrorActionPreference -eq 'Ignore'
    if ($hidden -and $Record.FullyQualifiedErrorId -eq 'EcrAuth.ProfileNotFound') { $Cmdlet.WriteWarning($Record.Exception.Message) }
    $Cmdlet.WriteError($Record)
}

function Get-EcrRedactedUrl {
    # A URL for messages, never with its user:password@ part, also when it does not parse. As
    # the native library does: everything between the scheme and the last '@' goes (a password
    # may hold '/', '?' or '#'; a path with an '@' is over-redacted instead).
    param([string] $Url)
    $Url -replace '^([^:/?#]*://)?.*@', '$1***@'
}

function Get-EcrCompletion {
    # Tab completion of -Region (known regions), -ProfileName (the AWS files' profiles) and
    # -Registry (the registries EcrAuth logged in). The parameters' ArgumentCompleter script
    # blocks do not run in the module's scope, so they call this through `& (module) { }`.
    param([string] $Kind, [string] $Word)
    Import-EcrPrivate 'Common', 'State'
    $values = switch ($Kind) {
        'Region' { $script:EcrRegions }
        'Profile' { Get-EcrAwsProfileName }
        'Registry' { foreach ($record in Get-EcrStateRecord) { $record.Registry } }
    }
    $seen = @{}
    foreach ($value in $values) {
        if ($value -like "$Word*" -and -not $seen.ContainsKey($value)) {
            $seen[$value] = $true
            [System.Management.Automation.CompletionResult]::new($value, $value, 'ParameterValue', $value)
        }
    }
}

# ---- The repeat check ----------------------------------------------------------------------
# Everything a repeat Auth-ECR needs while the last login is valid, here rather than in a
# Private/ file: in a new shell this path is what `Import-Module EcrAuth; Auth-ECR ...` in a
# $PROFILE costs, and on an engine that is not precompiled every construct and .NET member met
# for the first time is compiled then. So it is short and plain: no cmdlet, no pipeline, no
# regex (but for auth files that name a credential store), no JSON parser, a handful of .NET
# calls (SHA-256, File, String.Split, String.IndexOf).

# 'Windows', 'MacOS' or 'Linux' ($IsWindows/$IsMacOS do not exist on Windows PowerShell 5.1).
$script:EcrPlatform = 'Linux'
if (-not $IsCoreCLR -or $IsWindows) { $script:EcrPlatform = 'Windows' } elseif ($IsMacOS) { $script:EcrPlatform = 'MacOS' }
# .NET Core (PowerShell 7) or .NET Framework (5.1), for code under strict mode ($IsCoreCLR is not set on 5.1).
$script:EcrIsCore = $PSVersionTable.PSEdition -eq 'Core'
# A login is reused (and Get-EcrConnection calls it Valid) only while it has this long left.
$script:EcrReuseMarginSeconds = 900
$script:EcrStateHeader = 'EcrAuth state 2'

function Get-EcrHome {
    # The user's home as the clients see it: %USERPROFILE% on Windows (docker's own choice), $HOME elsewhere.
    param([string] $Platform = $script:EcrPlatform)
    if ($Platform -eq 'Windows') {
        if ($env:USERPROFILE) { return $env:USERPROFILE }
        return [Environment]::GetFolderPath('UserProfile')
    }
    if ($env:HOME) { return $env:HOME }
    $HOME
}

function Get-EcrStateDirectory {
    # The folder of the records. ECRAUTH_STATE_DIR replaces the per-user cache folder; a relative
    # value is resolved here, against PowerShell's current folder, so every .NET call gets the
    # same absolute path. (Which folders EcrAuth owns: New-EcrStateDirectory.)
    param([string] $Platform = $script:EcrPlatform)
    $base = $env:ECRAUTH_STATE_DIR
    if ($base) {
        if (-not [System.IO.Path]::IsPathRooted($base)) {
            $base = [System.IO.Path]::GetFullPath([System.IO.Path]::Combine($ExecutionContext.SessionState.Path.CurrentFileSystemLocation.ProviderPath, $base))
        }
    }
    elseif ($Platform -eq 'Windows') { $base = [System.IO.Path]::Combine([Environment]::GetFolderPath('LocalApplicationData'), 'EcrAuth') }
    elseif ($Platform -eq 'MacOS') { $base = [System.IO.Path]::Combine((Get-EcrHome $Platform), 'Library', 'Caches', 'EcrAuth') }
    elseif ($env:XDG_CACHE_HOME) { $base = [System.IO.Path]::Combine($env:XDG_CACHE_HOME, 'ecrauth') }
    else { $base = [System.IO.Path]::Combine((Get-EcrHome $Platform), '.cache', 'ecrauth') }
    [System.IO.Path]::Combine($base, 'logins')
}

function Get-EcrClientAuthFile {
    # The file where $Client keeps its logins, or '' when EcrAuth cannot check one (then a
    # repeat login is never skipped). Each client's own rules:
    #  - docker, nerdctl, oras: $DOCKER_CONFIG/config.json, else ~/.docker/config.json
    #    (%USERPROFILE%\.docker on Windows);
    #  - podman (containers-auth.json(5)): $REGISTRY_AUTH_FILE; on Linux
    #    $XDG_RUNTIME_DIR/containers/auth.json, else /run/containers/<uid>/auth.json; elsewhere
    #    ~/.config/containers/auth.json;
    #  - helm: $HELM_REGISTRY_CONFIG, else <helm config home>/registry/config.json, the config home
    #    being $HELM_CONFIG_HOME, else $XDG_CONFIG_HOME/helm, else ~/.config/helm (Linux),
    #    ~/Library/Preferences/helm (macOS), %APPDATA%\helm (Windows);
    #  - finch: ~/.finch/config.json on macOS (finch's VM keeps its own elsewhere); none otherwise.
    param([string] $Client, [string] $Platform = $script:EcrPlatform)
    if ($Client -eq 'docker' -or $Client -eq 'nerdctl' -or $Client -eq 'oras') {
        $dir = $env:DOCKER_CONFIG
        if (-not $dir) { $dir = [System.IO.Path]::Combine((Get-EcrHome $Platform), '.docker') }
        return [System.IO.Path]::Combine($dir, 'config.json')
    }
    if ($Client -eq 'podman') {
        if ($env:REGISTRY_AUTH_FILE) { return $env:REGISTRY_AUTH_FILE }
        if ($Platform -ne 'Linux') { return [System.IO.Path]::Combine((Get-EcrHome $Platform), '.config', 'containers', 'auth.json') }
        if ($env:XDG_RUNTIME_DIR) { return [System.IO.Path]::Combine($env:XDG_RUNTIME_DIR, 'containers', 'auth.json') }
        # /run/containers/<uid>: the real user id, from /proc (no process start, no cmdlet).
        foreach ($line in [System.IO.File]::ReadAllLines('/proc/self/status')) {
            if ($line.StartsWith('Uid:', [StringComparison]::Ordinal)) { return '/run/containers/' + $line.Substring(4).Trim().Split([char]9)[0] + '/auth.json' }
        }
        return ''
    }
    if ($Client -eq 'helm') {
        if ($env:HELM_REGISTRY_CONFIG) { return $env:HELM_REGISTRY_CONFIG }
        $helmHome = $env:HELM_CONFIG_HOME
        if (-not $helmHome) {
            if ($env:XDG_CONFIG_HOME) { $helmHome = [System.IO.Path]::Combine($env:XDG_CONFIG_HOME, 'helm') }
            elseif ($Platform -eq 'Windows') { $helmHome = [System.IO.Path]::Combine([Environment]::GetFolderPath('ApplicationData'), 'helm') }
            elseif ($Platform -eq 'MacOS') { $helmHome = [System.IO.Path]::Combine((Get-EcrHome $Platform), 'Library', 'Preferences', 'helm') }
            else { $helmHome = [System.IO.Path]::Combine((Get-EcrHome $Platform), '.config', 'helm') }
        }
        return [System.IO.Path]::Combine($helmHome, 'registry', 'config.json')
    }
    if ($Client -eq 'finch' -and $Platform -eq 'MacOS') { return [System.IO.Path]::Combine((Get-EcrHome $Platform), '.finch', 'config.json') }
    ''
}

function Get-EcrRequestKey {
    # What a request is, for the repeat check: identity, region, registries, endpoint, client and
    # the client's auth file, hashed (the access key id is part of it, so it is not kept as text).
    # From the public command's bound parameters, so the repeat path needs no request "spec".
    param([System.Collections.IDictionary] $Bound, [string] $ParameterSet, [string] $Client)
    if ($ParameterSet -eq 'Profile') { $identity = 'profile:' + $Bound['ProfileName'] + ':' + $env:AWS_CONFIG_FILE + ':' + $env:AWS_SHARED_CREDENTIALS_FILE }
    elseif ($ParameterSet -eq 'Default') { $identity = 'default:' + $env:AWS_ACCESS_KEY_ID + ':' + $env:AWS_PROFILE + ':' + $env:AWS_ROLE_ARN + ':' + $env:AWS_CONTAINER_CREDENTIALS_RELATIVE_URI }
    elseif ($ParameterSet -eq 'Credential') { $identity = 'key:' + $Bound['Credential'].UserName }
    else { $identity = 'key:' + $Bound['AccessKey'] }
    $region = $Bound['Region']
    if (-not $region) {
        # Keys default to us-east-1; profiles and the default chain resolve theirs: key on those.
        if ($ParameterSet -eq 'Keys' -or $ParameterSet -eq 'Credential') { $region = 'us-east-1' }
        else { $region = 'resolved:' + $env:AWS_REGION + ':' + $env:AWS_DEFAULT_REGION + ':' + $env:AWS_PROFILE }
    }
    # public.ecr.aws given as a host means ECR Public (see ConvertTo-EcrSpec).
    $public = [bool]$Bound['Public']
    $hosts = ''
    foreach ($name in $Bound['Registry']) {
        if ($name -eq 'public.ecr.aws') { $public = $true } elseif ($hosts) { $hosts += ',' + $name } else { $hosts = $name }
    }
    $endpoint = $Bound['EndpointUrl']
    if (-not $endpoint) { $endpoint = 'env:' + $env:AWS_ENDPOINT_URL_ECR }
    $ids = ''
    foreach ($id in $Bound['RegistryId']) { $ids += $id + ',' }
    $text = $identity + "`n" + $region + "`n" + $ids + "`n" + $hosts + "`n" + $public + "`n" +
    $endpoint + "`n" + $Client + "`n" + (Get-EcrClientAuthFile $Client)
    Get-EcrSha256Hex $text
}

function Get-EcrSha256Hex {
    # Lower-case hex SHA-256 of a string's UTF-8 bytes, from the operating system's validated
    # module: on .NET Framework (Windows PowerShell 5.1) SHA256.Create() gives the managed class,
    # which throws under the FIPS policy (a common corporate setting), so 5.1 takes CAPI's
    # SHA256CryptoServiceProvider; .NET Core's Create() is already the OS's (CNG, OpenSSL).
    param([string] $Text)
    if ($script:EcrIsCore) { $sha = [System.Security.Cryptography.SHA256]::Create() }
    else { $sha = [System.Security.Cryptography.SHA256CryptoServiceProvider]::new() }
    try { [BitConverter]::ToString($sha.ComputeHash([System.Text.Encoding]::UTF8.GetBytes($Text))).Replace('-', '').ToLowerInvariant() }
    finally { $sha.Dispose() }
}

function Test-EcrAuthFileHost {
    # Whether the text of a docker-format auth file (docker, podman, helm, finch, nerdctl, oras:
    # {"auths": {"HOST": {...}}, "credHelpers": {"HOST": "..."}}) has HOST (or a URL of it) as a
    # key. A key search rather than a JSON parse: these files have no other keys that are
    # registry hosts, and a parser costs tens of milliseconds on the first use in a shell.
    param([string] $Text, [string] $Registry)
    $needle = $Registry + '"'
    $index = $Text.IndexOf($needle, [StringComparison]::OrdinalIgnoreCase)
    while ($index -gt 0) {
        if ($Text[$index - 1] -eq '"' -or ($index -gt 3 -and $Text.Substring($index - 3, 3) -eq '://')) {
            $next = $index + $needle.Length
            while ($next -lt $Text.Length -and [char]::IsWhiteSpace($Text[$next])) { $next++ }
            if ($next -lt $Text.Length -and $Text[$next] -eq ':') { return $true }
        }
        $index = $Text.IndexOf($needle, $index + 1, [StringComparison]::OrdinalIgnoreCase)
    }
    $false
}

function Get-EcrCredentialHelperName {
    # The credential helper that holds $Registry's login per a docker-format auth file: its
    # "credHelpers" entry for the host, else "credsStore" (Docker Desktop: desktop; wincred,
    # osxkeychain, pass, ...); '' when the file holds the login itself. Then "auths" keeps only
    # an empty entry per host. A key search, as in Test-EcrAuthFileHost (helper names and hosts
    # hold no quotes); called only for files that name a helper, so that a repeat login in a new
    # shell does not compile it otherwise.
    param([string] $Text, [string] $Registry)
    $helpers = [regex]::Match($Text, '"credHelpers"\s*:\s*\{([^}]*)\}')
    if ($helpers.Success) {
        $entry = [regex]::Match($helpers.Groups[1].Value, '"' + [regex]::Escape($Registry) + '"\s*:\s*"([^"]*)"', 'IgnoreCase')
        if ($entry.Success) { return $entry.Groups[1].Value }
    }
    $store = [regex]::Match($Text, '"credsStore"\s*:\s*"([^"]*)"')
    if ($store.Success) { return $store.Groups[1].Value }
    ''
}

function Get-EcrCredentialHelperList {
    # What `docker-credential-$Name list` answers (JSON: server URL -> user name), or $null if
    # the helper is missing, fails or takes over 5 seconds: then nothing is vouched for and
    # EcrAuth logs in again.
    param([string] $Name)
    # A plain name only: with a path in it, the lookup would run a program outside PATH.
    if ($Name -notmatch '^[A-Za-z0-9._-]+$' -or $Name.Contains('..')) { return $null }
    Import-EcrPrivate 'Client'
    $path = Resolve-EcrClient "docker-credential-$Name"
    if (-not $path) { return $null }
    try { $run = Invoke-EcrClient -ClientPath $path -Arguments @('list') -TimeoutSec 5 }
    catch { return $null }
    if ($run.ExitCode -ne 0) { return $null }
    $run.Output
}

function Get-EcrRepeatLogin {
    # The remembered logins of request $Key, as arrays (Login, registry, user, expires, proxy:
    # the record's Login lines, see ConvertTo-EcrStateText), if every one has more than the
    # margin left and is still in the client's auth file; nothing otherwise, also when the client
    # has no file EcrAuth can check, or a file cannot be read (then EcrAuth logs in again).
    param([string] $Key, [string] $Client)
    $authFile = Get-EcrClientAuthFile $Client
    $stateFile = [System.IO.Path]::Combine((Get-EcrStateDirectory), $Key + '.state')
    if (-not $authFile -or -not [System.IO.File]::Exists($authFile) -or -not [System.IO.File]::Exists($stateFile)) { return }
    $ok = $true
    $listed = @{}   # credential helper -> its list (each helper runs once per check)
    try {
        $lines = [System.IO.File]::ReadAllText($stateFile).Split([char]10)
        $auth = [System.IO.File]::ReadAllText($authFile)
        $namesHelper = $auth.IndexOf('"cred', [StringComparison]::Ordinal) -ge 0   # credsStore, credHelpers: see below
        $limit = [DateTimeOffset]::UtcNow.ToUnixTimeSeconds() + $script:EcrReuseMarginSeconds
        $logins = @(foreach ($line in $lines) {
            if ($line.StartsWith("Login`t", [StringComparison]::Ordinal)) {
                $fields = $line.Split([char]9)
                if ($fields.Count -ne 5 -or [long]$fields[3] -lt $limit -or -not (Test-EcrAuthFileHost $auth $fields[1])) { $ok = $false }
                elseif ($namesHelper) {
                    # With a credential store, the store has the last word.
                    $helper = Get-EcrCredentialHelperName $auth $fields[1]
                    if ($helper) {
                        if (-not $listed.ContainsKey($helper)) { $listed[$helper] = Get-EcrCredentialHelperList $helper }
                        if (-not $listed[$helper] -or -not (Test-EcrAuthFileHost $listed[$helper] $fields[1])) { $ok = $false }
                    }
                }
                , $fields
            }
        })
    }
    catch { return }
    if ($ok -and $lines[0] -eq $script:EcrStateHeader -and $logins.Count) { , $logins }
}

# ---- The public commands -------------------------------------------------------------------

function Connect-EcrRegistry {
    <#
    .SYNOPSIS
    Logs Docker (or another container client) into Amazon ECR, with no secret on any command line.

    .DESCRIPTION
    Fetches an ECR authorization token (GetAuthorizationToken) through EcrAuth's native library,
    decodes it, and runs the client's login for each registry, e.g.
    `docker login --username AWS --password-stdin <registry>`, writing the password to the
    client's standard input. The secret key, session token and registry password never appear in
    a command line, verbose output, an error message or a file EcrAuth writes.

    Credentials come from keys (-AccessKey and -SecretKey, the default), a PSCredential, a named
    profile of the shared AWS files, or the AWS SDK's default chain (environment, files, web
    identity, ECS, instance metadata).

    A repeat call for the same identity, registries and client while the previous login has more
    than 15 minutes left does nothing, also in a new shell: EcrAuth remembers registry hosts and
    expiry times (no secrets) in a per-user folder, and checks that the client's own auth file
    still holds the login (docker, nerdctl and oras: docker's config.json; podman: its auth.json;
    helm: its registry config.json; finch on macOS: ~/.finch/config.json). When that file hands
    the login to a credential store (credsStore or credHelpers, as Docker Desktop's does), EcrAuth
    asks the store's helper (docker-credential-<name> list) instead. A client without a file
    EcrAuth can check, or a helper that cannot answer, means logging in again. -Force always logs
    in again.

    Errors: a bad parameter, a missing client or a missing native library stops the command
    (a terminating error). A failed token request or a registry whose login fails is a
    non-terminating error, one per failure, so -ErrorAction SilentlyContinue and -ErrorVariable
    work as usual, and the other registries still log in. If EcrAuth cannot remember a login,
    it warns; the login itself stands.

    The client's own output ("Login Succeeded") goes to the information stream with the tags
    EcrAuth, ClientOutput and the client's name. Like Write-Host output it is shown by default;
    hide it with -InformationAction SilentlyContinue (or Ignore, or 6>$null), collect it with
    -InformationVariable. The client's standard error goes to the verbose stream.

    Auth-ECR is an alias of this command.

    .PARAMETER AccessKey
    The AWS access key id (AKIA... or ASIA...).

    .PARAMETER SecretKey
    The AWS secret access key, as a string or a SecureString. When PowerShell prompts for it,
    the input is masked.

    .PARAMETER Credential
    A PSCredential whose user name is the access key id and whose password is the secret key.

    .PARAMETER ProfileName
    A profile of the shared AWS config/credentials files (static keys, role_arn with
    source_profile, credential_process or SSO). Tab completion offers the profiles of
    AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE (default ~/.aws/config, ~/.aws/credentials).
    Accepts the ProfileName property of piped objects (Get-EcrConnection).

    .PARAMETER UseDefaultCredentials
    Use the AWS SDK's default credential chain (for build servers with roles). Accepts the
    UseDefaultCredentials property of piped objects (Get-EcrConnection).

    .PARAMETER Region
    The AWS region. Tab completion offers known regions. When it is not given: with
    -AccessKey/-SecretKey or -Credential, us-east-1; with -ProfileName or -UseDefaultCredentials,
    AWS_REGION, AWS_DEFAULT_REGION or the profile's region, else us-east-1. With -Registry the
    region comes from each host.

    .PARAMETER SessionToken
    The session token of temporary credentials (from STS, SSO or a role): a SecureString, or a
    plain string (made a SecureString at once), like -SecretKey.

    .PARAMETER RegistryId
    One or more 12-digit AWS account ids whose registries to log in to (fetched concurrently).

    .PARAMETER Registry
    One or more registry hosts such as 123456789012.dkr.ecr.eu-west-1.amazonaws.com; account and
    region come from the host. FIPS (dkr.ecr-fips), dual-stack (dkr-ecr.<region>.on.aws), China
    and isolated-partition hosts are accepted; public.ecr.aws means -Public. Accepts the Registry
    property of piped objects; tab completion offers the registries EcrAuth logged in.

    .PARAMETER Public
    Log in to ECR Public (public.ecr.aws) instead.

    .PARAMETER Client
    The container client to log in: docker (default), podman, finch, nerdctl, helm or oras.
    Accepts the Client property of piped objects.

    .PARAMETER EndpointUrl
    Overrides the ECR API endpoint, e.g. a VPC interface endpoint or a local mock.
    AWS_ENDPOINT_URL_ECR is honoured too. Accepts the EndpointUrl property of piped objects.

    .PARAMETER CaBundle
    A PEM file of CA certificates to trust instead of the system's (default: AWS_CA_BUNDLE).

    .PARAMETER TimeoutSec
    How long the token request may take, retries included, in seconds (1-600), and then each
    client login: a client that overruns is stopped with the processes it started. Default: 30.

    .PARAMETER Force
    Log in even if EcrAuth remembers a still-valid login, and fetch a new token.

    .PARAMETER PassThru
    Writes an EcrAuth.Login object per registry (Registry, Username, ExpiresAt, ProxyEndpoint, Client).

    .PARAMETER WhatIf
    Shows what would happen if the command runs. The command does not run.

    .PARAMETER Confirm
    Prompts you for confirmation before running the command.

    .INPUTS
    EcrAuth.Connection (Get-EcrConnection) or EcrAuth.Login objects: their Registry and Client,
    and ProfileName, UseDefaultCredentials and EndpointUrl where present. Each piped object is
    one login.

    .OUTPUTS
    EcrAuth.Login, with -PassThru.

    .EXAMPLE
    Auth-ECR $accessKey $secretKey

    Logs Docker into the key's own registry in us-east-1.

    .EXAMPLE
    Auth-ECR $accessKey $secretKey eu-west-1 -PassThru

    Logs in to the eu-west-1 registry and shows when the login expires.

    .EXAMPLE
    Connect-EcrRegistry -ProfileName prod -Registry 123456789012.dkr.ecr.eu-west-1.amazonaws.com, 210987654321.dkr.ecr.us-east-2.amazonaws.com

    Logs in to two accounts' registries in two regions with the credentials of profile prod.

    .EXAMPLE
    Connect-EcrRegistry -UseDefaultCredentials -Client podman

    On a build server with an instance or task role: logs podman in with the role's credentials.

    .EXAMPLE
    Auth-ECR -Credential (Get-Credential) -Public

    Logs Docker in to ECR Public (public.ecr.aws).

    .EXAMPLE
    Auth-ECR -ProfileName dev -ErrorAction SilentlyContinue

    In a $PROFILE: logs in, or stays quiet when offline.

    .EXAMPLE
    Get-EcrConnection | Where-Object { -not $_.Valid } | Connect-EcrRegistry -Force

    Renews the logins that are about to expire (those made with a profile or the default chain;
    for logins made with keys, pass the keys too).

    .EXAMPLE
    Auth-ECR $accessKey $secretKey -WhatIf

    Shows what would happen; fetches nothing and runs nothing.

    .LINK
    Disconnect-EcrRegistry

    .LINK
    Get-EcrConnection

    .LINK
    Get-EcrLoginPassword

    .LINK
    about_EcrAuth
    #>
    [CmdletBinding(SupportsShouldProcess = $true, DefaultParameterSetName = 'Keys')]
    [Alias('Auth-ECR')]
    [OutputType('EcrAuth.Login')]
    param(
        [Parameter(ParameterSetName = 'Keys', Mandatory = $true, Position = 0)]
        [Alias('AccessKeyId')]
        [ValidateNotNullOrEmpty()]
        [string] $AccessKey,

        [Parameter(ParameterSetName = 'Keys', Mandatory = $true, Position = 1)]
        [Alias('SecretAccessKey')]
        [EcrAuth.SecretKeyTransformation()]
        [System.Security.SecureString] $SecretKey,

        [Parameter(ParameterSetName = 'Credential', Mandatory = $true)]
        [System.Management.Automation.PSCredential] $Credential,

        [Parameter(ParameterSetName = 'Profile', Mandatory = $true, ValueFromPipelineByPropertyName = $true)]
        [ArgumentCompleter({ param($c, $p, $word) & @(Get-Module EcrAuth)[0] { Get-EcrCompletion @args } 'Profile' $word })]
        [ValidateNotNullOrEmpty()]
        [string] $ProfileName,

        [Parameter(ParameterSetName = 'Default', Mandatory = $true, ValueFromPipelineByPropertyName = $true)]
        [switch] $UseDefaultCredentials,

        [Parameter(ParameterSetName = 'Keys', Position = 2)]
        [Parameter(ParameterSetName = 'Credential')]
        [Parameter(ParameterSetName = 'Profile')]
        [Parameter(ParameterSetName = 'Default')]
        [ArgumentCompleter({ param($c, $p, $word) & @(Get-Module EcrAuth)[0] { Get-EcrCompletion @args } 'Region' $word })]
        [ValidateScript({
                if ($_ -cmatch '^[a-z]{2,5}(-[a-z]+)+-[0-9]{1,2}$') { return $true }
                throw "'$_' is not an AWS region name; expected something like us-east-1 or eu-west-2."
            })]
        [string] $Region,

        [Parameter(ParameterSetName = 'Keys')]
        [Parameter(ParameterSetName = 'Credential')]
        [EcrAuth.SecretKeyTransformation(Name = 'session token')]
        [securestring] $SessionToken,

        [ValidateCount(1, 10)]
        [ValidateScript({
                if ($_ -match '^[0-9]{12}$') { return $true }
                throw "'$_' is not a registry id; expected a 12-digit AWS account id such as 123456789012."
            })]
        [string[]] $RegistryId,

        [Parameter(ValueFromPipelineByPropertyName = $true)]
        [ArgumentCompleter({ param($c, $p, $word) & @(Get-Module EcrAuth)[0] { Get-EcrCompletion @args } 'Registry' $word })]
        [ValidateCount(1, 10)]
        [ValidateNotNullOrEmpty()]
        [string[]] $Registry,

        [switch] $Public,

        [Parameter(ValueFromPipelineByPropertyName = $true)]
        [ValidateSet('docker', 'podman', 'finch', 'nerdctl', 'helm', 'oras')]
        [string] $Client = 'docker',

        [Parameter(ValueFromPipelineByPropertyName = $true)]
        [ValidateScript({
                $uri = $null
                if ([System.Uri]::TryCreate($_, 'Absolute', [ref]$uri) -and ($uri.Scheme -eq 'http' -or $uri.Scheme -eq 'https')) { return $true }
                throw "'$(Get-EcrRedactedUrl $_)' is not an http(s) URL; expected something like https://api.ecr.us-east-1.amazonaws.com."
            })]
        [string] $EndpointUrl,

        [ValidateNotNullOrEmpty()]
        [string] $CaBundle,

        [ValidateRange(1, 600)]
        [int] $TimeoutSec = 30,

        [switch] $Force,

        [switch] $PassThru
    )
    process {
        # First the repeat check, kept small: in a new shell it is all a $PROFILE line pays for.
        $what = 'the ECR registry of the credentials'' account'
        if ($Public) { $what = 'ECR Public' } elseif ($Registry) { $what = $Registry -join ', ' } elseif ($RegistryId) { $what = 'ECR registries of ' + ($RegistryId -join ', ') }
        if (-not $PSCmdlet.ShouldProcess($what, "Fetch an authorization token and run $Client login")) { return }
        $key = Get-EcrRequestKey $PSBoundParameters $PSCmdlet.ParameterSetName $Client
        if (-not $Force) {
            $current = Get-EcrRepeatLogin $key $Client
            if ($current) {
                foreach ($login in $current) {
                    if ($PassThru -or $VerbosePreference -ne 'SilentlyContinue') {
                        $expires = [DateTimeOffset]::FromUnixTimeSeconds([long]$login[3]).UtcDateTime
                        $PSCmdlet.WriteVerbose("Already logged in to $($login[1]) with $Client until $($expires.ToString('u')); nothing to do (use -Force to log in again).")
                        if ($PassThru) {
                            [pscustomobject]@{
                                PSTypeName = 'EcrAuth.Login'; Registry = $login[1]; Username = $login[2]
                                ExpiresAt = $expires; ProxyEndpoint = $login[4]; Client = $Client
                            }
                        }
                    }
                }
                return
            }
        }

        # The login itself, in a script block of its own (dot-sourced: same scope, same $PSCmdlet):
        # PowerShell compiles a script block when it first runs, so a repeat login in a new shell
        # does not pay for compiling this part (~45 ms CPU measured on this machine's engine).
        $bound = $PSBoundParameters   # inside the script block, $PSBoundParameters is its own (empty)
        . {
            Set-StrictMode -Version 3.0
            Import-EcrPrivate 'Common', 'State'
            try { $spec = ConvertTo-EcrSpec $bound $PSCmdlet.ParameterSetName }
            catch { $PSCmdlet.ThrowTerminatingError($_) }
            Import-EcrPrivate 'Native', 'Client'
            $clientPath = Resolve-EcrClient $Client
            if (-not $clientPath) { $PSCmdlet.ThrowTerminatingError((New-EcrClientNotFoundRecord $Client)) }
            # Verbose text is built only when it is shown: each helper call costs a warm login ~0.3 ms.
            $verbose = $VerbosePreference -ne 'SilentlyContinue' -and $VerbosePreference -ne 'Ignore'
            if ($verbose) {
                $PSCmdlet.WriteVerbose("Requesting an ECR authorization token with $(Get-EcrSourceText $spec) in " +
                    "$(if ($spec.Region) { $spec.Region } else { 'the configured region' }) (endpoint: $(Get-EcrEndpointText $spec.EndpointUrl)).")
            }
            try { $fetch = Invoke-EcrFetch -Spec $spec -ReuseTokens:(-not $Force) }
            catch { $PSCmdlet.ThrowTerminatingError($_) }
            foreach ($failure in $fetch.Failures) {
                # A malformed request is the caller's to fix: stop before any client runs.
                if (Test-EcrUsageFailure $failure) { Clear-EcrFetch $fetch; $PSCmdlet.ThrowTerminatingError((New-EcrFailureRecord $failure)) }
            }

            $PSCmdlet.WriteVerbose("ECR returned $(@($fetch.Logins).Count) login(s).")
            $errors = [System.Collections.Generic.List[System.Management.Automation.ErrorRecord]]::new()
            $logins = [System.Collections.Generic.List[object]]::new()
            # Show the client's output unless asked not to (-InformationAction SilentlyContinue/Ignore).
            $quiet = $bound.ContainsKey('InformationAction') -and ('SilentlyContinue', 'Ignore' -contains $bound['InformationAction'])
            # Whatever stops this loop, no login's password stays in memory (finally: every one).
            try {
                foreach ($login in $fetch.Logins) {
                    if ($verbose) { $PSCmdlet.WriteVerbose("Running: $clientPath $(@(Get-EcrClientArgument $Client 'Login' $login.Registry $login.Username) -join ' ') (password on standard input)") }
                    try { $run = Invoke-EcrClientLogin -Client $Client -ClientPath $clientPath -Login $login -TimeoutSec $spec.TimeoutSec }
                    finally { [Array]::Clear($login.Password, 0, $login.Password.Length) }
                    foreach ($line in $run.Verbose) { $PSCmdlet.WriteVerbose("${Client}: $line") }
                    if ($run.Failure) { $errors.Add($run.Failure); continue }
                    foreach ($line in $run.Output) { $PSCmdlet.WriteInformation("$($login.Registry): $line", (Get-EcrInformationTag $Client $quiet)) }
                    $logins.Add((ConvertTo-EcrLoginObject $login $Client))
                }
            }
            finally { Clear-EcrFetch $fetch }
            foreach ($failure in $fetch.Failures) { $errors.Add((New-EcrFailureRecord $failure)) }

            if ($logins.Count) {
                $warning = Save-EcrStateRecord -Key $key -Spec $spec -Logins $logins
                if ($warning) { $PSCmdlet.WriteWarning($warning) }
            }
            if ($PassThru) { $logins }
            foreach ($record in $errors) { Write-EcrFailure $PSCmdlet $record }
        }
    }
}

function Get-EcrLoginPassword {
    <#
    .SYNOPSIS
    Writes the ECR registry password(s), for piping into tools EcrAuth does not run itself.

    .DESCRIPTION
    Like `aws ecr get-login-password`: fetches an authorization token and writes each registry's
    password to the pipeline. Pipe it straight into a client's --password-stdin; do not store it.
    With -AsLogin, writes EcrAuth.Login objects instead, each with a Credential (PSCredential)
    property, and runs no client.

    Errors as with Connect-EcrRegistry: bad parameters stop the command; a failed token request
    is a non-terminating error.

    .PARAMETER AccessKey
    The AWS access key id (AKIA... or ASIA...).

    .PARAMETER SecretKey
    The AWS secret access key, as a string or a SecureString. When PowerShell prompts for it,
    the input is masked.

    .PARAMETER Credential
    A PSCredential whose user name is the access key id and whose password is the secret key.

    .PARAMETER ProfileName
    A profile of the shared AWS config/credentials files. Tab completion offers the profiles of
    AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE (default ~/.aws/config, ~/.aws/credentials).

    .PARAMETER UseDefaultCredentials
    Use the AWS SDK's default credential chain.

    .PARAMETER Region
    The AWS region. When it is not given: with -AccessKey/-SecretKey or -Credential, us-east-1;
    with -ProfileName or -UseDefaultCredentials, AWS_REGION, AWS_DEFAULT_REGION or the profile's
    region, else us-east-1. With -Registry the region comes from each host.

    .PARAMETER SessionToken
    The session token of temporary credentials (from STS, SSO or a role): a SecureString, or a
    plain string (made a SecureString at once), like -SecretKey.

    .PARAMETER RegistryId
    One or more 12-digit AWS account ids whose registries to fetch passwords for.

    .PARAMETER Registry
    One or more ECR registry hosts; account and region come from the host.

    .PARAMETER Public
    ECR Public (public.ecr.aws) instead.

    .PARAMETER EndpointUrl
    Overrides the ECR API endpoint (AWS_ENDPOINT_URL_ECR is honoured too).

    .PARAMETER CaBundle
    A PEM file of CA certificates to trust instead of the system's (default: AWS_CA_BUNDLE).

    .PARAMETER TimeoutSec
    How long the token request may take, retries included, in seconds (1-600). Default: 30.

    .PARAMETER AsLogin
    Writes EcrAuth.Login objects (Registry, Username, ExpiresAt, ProxyEndpoint, Credential)
    instead of bare passwords.

    .OUTPUTS
    System.String, or EcrAuth.Login with -AsLogin.

    .EXAMPLE
    Get-EcrLoginPassword $accessKey $secretKey | podman login --username AWS --password-stdin 123456789012.dkr.ecr.us-east-1.amazonaws.com

    .EXAMPLE
    Get-EcrLoginPassword -ProfileName dev -AsLogin | Format-Table Registry, ExpiresAt

    .LINK
    Connect-EcrRegistry

    .LINK
    about_EcrAuth
    #>
    [CmdletBinding(DefaultParameterSetName = 'Keys')]
    [OutputType([string])]
    [OutputType('EcrAuth.Login')]
    param(
        # The credential, region and registry parameters are Connect-EcrRegistry's, declared
        # again (a test checks that the two stay identical).
        [Parameter(ParameterSetName = 'Keys', Mandatory = $true, Position = 0)]
        [Alias('AccessKeyId')]
        [ValidateNotNullOrEmpty()]
        [string] $AccessKey,

        [Parameter(ParameterSetName = 'Keys', Mandatory = $true, Position = 1)]
        [Alias('SecretAccessKey')]
        [EcrAuth.SecretKeyTransformation()]
        [System.Security.SecureString] $SecretKey,

        [Parameter(ParameterSetName = 'Credential', Mandatory = $true)]
        [System.Management.Automation.PSCredential] $Credential,

        [Parameter(ParameterSetName = 'Profile', Mandatory = $true, ValueFromPipelineByPropertyName = $true)]
        [ArgumentCompleter({ param($c, $p, $word) & @(Get-Module EcrAuth)[0] { Get-EcrCompletion @args } 'Profile' $word })]
        [ValidateNotNullOrEmpty()]
        [string] $ProfileName,

        [Parameter(ParameterSetName = 'Default', Mandatory = $true, ValueFromPipelineByPropertyName = $true)]
        [switch] $UseDefaultCredentials,

        [Parameter(ParameterSetName = 'Keys', Position = 2)]
        [Parameter(ParameterSetName = 'Credential')]
        [Parameter(ParameterSetName = 'Profile')]
        [Parameter(ParameterSetName = 'Default')]
        [ArgumentCompleter({ param($c, $p, $word) & @(Get-Module EcrAuth)[0] { Get-EcrCompletion @args } 'Region' $word })]
        [ValidateScript({
                if ($_ -cmatch '^[a-z]{2,5}(-[a-z]+)+-[0-9]{1,2}$') { return $true }
                throw "'$_' is not an AWS region name; expected something like us-east-1 or eu-west-2."
            })]
        [string] $Region,

        [Parameter(ParameterSetName = 'Keys')]
        [Parameter(ParameterSetName = 'Credential')]
        [EcrAuth.SecretKeyTransformation(Name = 'session token')]
        [securestring] $SessionToken,

        [ValidateCount(1, 10)]
        [ValidateScript({
                if ($_ -match '^[0-9]{12}$') { return $true }
                throw "'$_' is not a registry id; expected a 12-digit AWS account id such as 123456789012."
            })]
        [string[]] $RegistryId,

        [Parameter(ValueFromPipelineByPropertyName = $true)]
        [ArgumentCompleter({ param($c, $p, $word) & @(Get-Module EcrAuth)[0] { Get-EcrCompletion @args } 'Registry' $word })]
        [ValidateCount(1, 10)]
        [ValidateNotNullOrEmpty()]
        [string[]] $Registry,

        [switch] $Public,

        [Parameter(ValueFromPipelineByPropertyName = $true)]
        [ValidateScript({
                $uri = $null
                if ([System.Uri]::TryCreate($_, 'Absolute', [ref]$uri) -and ($uri.Scheme -eq 'http' -or $uri.Scheme -eq 'https')) { return $true }
                throw "'$(Get-EcrRedactedUrl $_)' is not an http(s) URL; expected something like https://api.ecr.us-east-1.amazonaws.com."
            })]
        [string] $EndpointUrl,

        [ValidateNotNullOrEmpty()]
        [string] $CaBundle,

        [ValidateRange(1, 600)]
        [int] $TimeoutSec = 30,

        [switch] $AsLogin
    )
    process {
        Set-StrictMode -Version 3.0
        Import-EcrPrivate 'Common', 'Native'
        try {
            $spec = ConvertTo-EcrSpec $PSBoundParameters $PSCmdlet.ParameterSetName
            $fetch = Invoke-EcrFetch -Spec $spec -ReuseTokens
        }
        catch { $PSCmdlet.ThrowTerminatingError($_) }
        foreach ($failure in $fetch.Failures) {
            if (Test-EcrUsageFailure $failure) { Clear-EcrFetch $fetch; $PSCmdlet.ThrowTerminatingError((New-EcrFailureRecord $failure)) }
        }
        foreach ($login in $fetch.Logins) {
            try {
                $password = [System.Text.Encoding]::UTF8.GetString($login.Password)
                if ($AsLogin) {
                    $object = ConvertTo-EcrLoginObject $login ''
                    $object.PSObject.Properties.Remove('Client')
                    $secure = [System.Net.NetworkCredential]::new('', $password).SecurePassword
                    $object.PSObject.Properties.Add([System.Management.Automation.PSNoteProperty]::new('Credential',
                            [System.Management.Automation.PSCredential]::new($login.Username, $secure)))
                    $object
                }
                else { $password }
            }
            finally { [Array]::Clear($login.Password, 0, $login.Password.Length) }
        }
        foreach ($failure in $fetch.Failures) { Write-EcrFailure $PSCmdlet (New-EcrFailureRecord $failure) }
    }
}

function Disconnect-EcrRegistry {
    <#
    .SYNOPSIS
    Logs a container client out of ECR registries, and forgets EcrAuth's record of them.

    .DESCRIPTION
    Runs the client's logout (e.g. `docker logout <registry>`) for each registry given, or,
    without -Registry, for every registry EcrAuth logged in (see Get-EcrConnection). A logout
    that fails is a non-terminating error; the others still run.

    .PARAMETER Registry
    The registry hosts to log out of. Default: every registry EcrAuth logged in. Accepts strings
    and Get-EcrConnection (or -PassThru) objects from the pipeline; tab completion offers the
    registries EcrAuth logged in.

    .PARAMETER Client
    The container client to log out (docker, podman, finch, nerdctl, helm or oras). Default:
    the client EcrAuth used for that registry, else docker.

    .PARAMETER WhatIf
    Shows what would happen if the command runs. The command does not run.

    .PARAMETER Confirm
    Prompts you for confirmation before running the command.

    .INPUTS
    System.String (registry hosts), or EcrAuth.Connection and EcrAuth.Login objects: their
    Registry and Client properties.

    .EXAMPLE
    Disconnect-EcrRegistry

    .EXAMPLE
    Disconnect-EcrRegistry -Registry 123456789012.dkr.ecr.us-east-1.amazonaws.com -Client podman

    .EXAMPLE
    Get-EcrConnection | Where-Object Client -eq helm | Disconnect-EcrRegistry

    .EXAMPLE
    '123456789012.dkr.ecr.us-east-1.amazonaws.com' | Disconnect-EcrRegistry

    .LINK
    Connect-EcrRegistry

    .LINK
    Get-EcrConnection
    #>
    [CmdletBinding(SupportsShouldProcess = $true)]
    [OutputType([void])]
    param(
        [Parameter(Position = 0, ValueFromPipeline = $true, ValueFromPipelineByPropertyName = $true)]
        [ArgumentCompleter({ param($c, $p, $word) & @(Get-Module EcrAuth)[0] { Get-EcrCompletion @args } 'Registry' $word })]
        [ValidateNotNullOrEmpty()]
        [string[]] $Registry,

        [Parameter(ValueFromPipelineByPropertyName = $true)]
        [ValidateSet('docker', 'podman', 'finch', 'nerdctl', 'helm', 'oras')]
        [string] $Client
    )
    process {
        Set-StrictMode -Version 3.0
        Import-EcrPrivate 'Common', 'State', 'Client'
        $known = @(Get-EcrStateRecord)
        $targets = [System.Collections.Generic.List[object]]::new()
        if ($Registry) {
            foreach ($name in $Registry) {
                $clientName = $Client
                if (-not $clientName) {
                    $clientName = 'docker'
                    foreach ($record in $known) { if ($record.Registry -eq $name) { $clientName = $record.Client; break } }
                }
                $targets.Add([pscustomobject]@{ Registry = $name; Client = $clientName })
            }
        }
        else {
            $seen = @{}
            foreach ($record in $known) {
                if ($Client -and $record.Client -ne $Client) { continue }
                if ($seen.ContainsKey("$($record.Registry)|$($record.Client)")) { continue }
                $seen["$($record.Registry)|$($record.Client)"] = $true
                $targets.Add([pscustomobject]@{ Registry = $record.Registry; Client = $record.Client })
            }
        }
        foreach ($target in $targets) {
            if (-not $PSCmdlet.ShouldProcess($target.Registry, "$($target.Client) logout")) { continue }
            # A missing client fails that registry only: the others still log out.
            $clientPath = Resolve-EcrClient $target.Client
            if (-not $clientPath) { $PSCmdlet.WriteError((New-EcrClientNotFoundRecord $target.Client $target.Registry)); continue }
            $PSCmdlet.WriteVerbose("Running: $clientPath $(@(Get-EcrClientArgument $target.Client 'Logout' $target.Registry '') -join ' ')")
            $run = Invoke-EcrClientLogout -Client $target.Client -ClientPath $clientPath -Registry $target.Registry
            foreach ($line in $run.Verbose) { $PSCmdlet.WriteVerbose("$($target.Client): $line") }
            if ($run.Failure) { $PSCmdlet.WriteError($run.Failure); continue }
            foreach ($line in $run.Output) { $PSCmdlet.WriteInformation("$($target.Registry): $line", (Get-EcrInformationTag $target.Client $false)) }
            Remove-EcrStateRegistry -Registry $target.Registry -Client $target.Client -Records $known
            # Nor may the login come back from this process's reusable tokens.
            if ($ExecutionContext.SessionState.PSVariable.GetValue('script:EcrNativeBound')) { [EcrAuth.Native.NativeFetch]::ForgetTokens() }
        }
    }
}

function Get-EcrConnection {
    <#
    .SYNOPSIS
    Lists the registries EcrAuth has logged in, with their client and expiry. No secrets.

    .DESCRIPTION
    Reads EcrAuth's per-user records (see about_EcrAuth). Valid is true while a login has more
    than 15 minutes left, the same margin a repeat Connect-EcrRegistry uses; expired logins are
    not listed. It changes nothing: the next login removes records whose logins have all expired.
    Pipe the output to Disconnect-EcrRegistry to log out, or to
    Connect-EcrRegistry -Force to log in again (logins made with -ProfileName or
    -UseDefaultCredentials carry that property; for keys, pass them).

    .PARAMETER Registry
    Only registries whose host matches this wildcard pattern. Default: all.

    .OUTPUTS
    EcrAuth.Connection: Registry, Client, ExpiresAt (UTC), Valid, Identity (a hash), and
    ProfileName, UseDefaultCredentials or EndpointUrl when the login used them.

    .EXAMPLE
    Get-EcrConnection | Where-Object Valid

    .EXAMPLE
    Get-EcrConnection | Disconnect-EcrRegistry

    .LINK
    Connect-EcrRegistry

    .LINK
    Disconnect-EcrRegistry
    #>
    [CmdletBinding()]
    [OutputType('EcrAuth.Connection')]
    param(
        [Parameter(Position = 0)]
        [ArgumentCompleter({ param($c, $p, $word) & @(Get-Module EcrAuth)[0] { Get-EcrCompletion @args } 'Registry' $word })]
        [SupportsWildcards()]
        [string] $Registry = '*'
    )
    Set-StrictMode -Version 3.0
    Import-EcrPrivate 'Common', 'State'
    $pattern = [System.Management.Automation.WildcardPattern]::new($Registry, 'IgnoreCase')
    $now = [DateTime]::UtcNow
    $records = [object[]]@(Get-EcrStateRecord | Where-Object { $_.ExpiresAt -gt $now -and $pattern.IsMatch($_.Registry) })
    $order = [string[]]@(foreach ($record in $records) { "$($record.Registry)`t$($record.Client)" })
    [Array]::Sort($order, $records, [StringComparer]::OrdinalIgnoreCase)   # not Sort-Object: no module autoload
    foreach ($record in $records) { ConvertTo-EcrConnectionObject $record }
}
