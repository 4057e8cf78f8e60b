# The public commands' implementations: their parameters, help and code.
# EcrAuth.psm1 holds only thin shells so that Import-Module parses almost nothing; the first
# use of any command (call, tab completion, Get-Command) dot-sources this file, and each shell
# takes its parameters from the implementation below (Get-EcrDynamicParameter) and calls it.
# Get-Help reads en-US/EcrAuth-help.xml, generated from the comment help here by
# `./build.ps1 Help`. Windows PowerShell 5.1 compatible: no ?:, ??, &&, or .NET Core-only APIs.

# Dot-sourced on every binding of a public command: define things once per import.
# (Not Get-Variable: that would autoload Microsoft.PowerShell.Utility, ~150 ms, at first use.
# script: so that a global variable of the same name cannot stand in for it.)
if ($ExecutionContext.SessionState.PSVariable.GetValue('script:EcrCommandsLoaded')) { return }

# Public command -> the function here that implements it (and declares its parameters).
$script:EcrImplementation = [ordered]@{
    'Connect-EcrRegistry'    = 'Invoke-EcrConnect'
    'Disconnect-EcrRegistry' = 'Invoke-EcrDisconnect'
    'Get-EcrLoginPassword'   = 'Invoke-EcrGetLoginPassword'
    'Get-EcrConnection'      = 'Invoke-EcrGetConnection'
}
# Parameter metadata per public command, read once from the implementation.
$script:EcrParameterMetadata = @{}
# Private/*.ps1 files already loaded into this module's scope (their functions are script:).
$script:EcrLoaded = @{}

function script:Import-EcrPrivate {
    # No Join-Path/Test-Path on the way to a repeat login (here and in State.ps1): their module,
    # Microsoft.PowerShell.Management, costs ~110 ms to autoload in a new shell (measured).
    param([string[]] $Name)
    foreach ($file in $Name) {
        if (-not $script:EcrLoaded[$file]) {
            . ([System.IO.Path]::Combine($PSScriptRoot, "$file.ps1"))
            $script:EcrLoaded[$file] = $true
        }
    }
}

function script:Get-EcrDynamicParameter {
    # The public command's parameters: those declared by its implementation, minus -Cmdlet
    # (common parameters are the shell's own). New objects per call: the binder stores values
    # in them. Engine APIs and ::new, not Get-Command/New-Object/Where-Object: this runs at every
    # call and tab completion, and its first run is part of the first call's cost.
    param([string] $Command)
    $metadata = $script:EcrParameterMetadata[$Command]
    if (-not $metadata) {
        $implementation = $ExecutionContext.InvokeCommand.GetCommand($script:EcrImplementation[$Command], 'Function')
        $all = $implementation.Parameters
        $metadata = foreach ($declared in $implementation.ScriptBlock.Ast.Body.ParamBlock.Parameters) {
            $name = $declared.Name.VariablePath.UserPath
            if ($name -ne 'Cmdlet') { $all[$name] }
        }
        $script:EcrParameterMetadata[$Command] = $metadata
    }
    $parameters = [System.Management.Automation.RuntimeDefinedParameterDictionary]::new()
    foreach ($parameter in $metadata) {
        $parameters.Add($parameter.Name, [System.Management.Automation.RuntimeDefinedParameter]::new($parameter.Name, $parameter.ParameterType, $parameter.Attributes))
    }
    $parameters
}

function script:Invoke-EcrCommand {
    # Runs the implementation of the public command $Cmdlet with the parameters bound to it.
    # Pipeline input can leave a parameter bound to $null for a later object that lacks the
    # property (e.g. Client); such entries are dropped so the implementation's defaults apply.
    param([System.Management.Automation.PSCmdlet] $Cmdlet, [System.Collections.IDictionary] $Bound)
    $arguments = @{}
    foreach ($name in $Bound.Keys) { if ($null -ne $Bound[$name]) { $arguments[$name] = $Bound[$name] } }
    $implementation = $script:EcrImplementation[$Cmdlet.MyInvocation.MyCommand.Name]
    & $implementation -Cmdlet $Cmdlet @arguments
}

function script:Invoke-EcrConnect {
    <#
    .SYNOPSIS
    Logs Docker (or another container client) into Amazon ECR, with no secret on any command line.

    .DESCRIPTION
    Fetches an ECR authorization token (GetAuthorizationToken) through EcrAuth's native
    library, decodes it, and runs the client's login for each registry, e.g.
    `docker login --username AWS --password-stdin <registry>`, writing the password to the
    client's standard input. The secret key, session token and registry password never appear
    in a command line, a log, verbose output or a file EcrAuth writes.

    Credentials come from keys (AccessKey/SecretKey, the default), a PSCredential, a named
    profile of the shared AWS files, or the SDK's default chain (environment, files, web
    identity, ECS, instance metadata).

    A repeat call for the same identity, registries and client while the previous login is
    still valid (15 minutes of margin) does nothing, also in a new shell: EcrAuth remembers
    registry hosts and expiry times (no secrets) in a per-user folder. -Force logs in again.

    Auth-ECR is an alias of this command.

    .PARAMETER AccessKey
    The AWS access key id (AKIA... or ASIA...).

    .PARAMETER SecretKey
    The AWS secret access key.

    .PARAMETER Credential
    A PSCredential whose user name is the access key id and whose password is the secret key.

    .PARAMETER ProfileName
    A profile of the shared AWS config/credentials files (static keys, role_arn with
    source_profile, credential_process or SSO).

    .PARAMETER UseDefaultCredentials
    Use the AWS SDK's default credential chain (for build servers with roles).

    .PARAMETER Region
    The AWS region. With keys it defaults to us-east-1; with a profile or the default chain it
    comes from AWS_REGION or the profile, else us-east-1. Tab completion offers known regions.

    .PARAMETER SessionToken
    The session token of temporary credentials (from STS, SSO or a role).

    .PARAMETER RegistryId
    One or more 12-digit AWS account ids whose registries to log in to (fetched concurrently).

    .PARAMETER Registry
    One or more registry hosts such as 123456789012.dkr.ecr.eu-west-1.amazonaws.com; account and
    region come from the host. FIPS (dkr.ecr-fips), dual-stack (dkr-ecr.<region>.on.aws), China
    and isolated-partition hosts are accepted.

    .PARAMETER Public
    Log in to ECR Public (public.ecr.aws) instead.

    .PARAMETER Client
    The container client to log in: docker (default), podman, finch, nerdctl, helm or oras.

    .PARAMETER EndpointUrl
    Overrides the ECR API endpoint, e.g. a VPC interface endpoint or a local mock.
    AWS_ENDPOINT_URL_ECR is honoured too.

    .PARAMETER CaBundle
    A PEM file of CA certificates to trust instead of the system's (default: AWS_CA_BUNDLE).

    .PARAMETER TimeoutSec
    How long the token request may take, retries included. Defaults to 30 seconds.

    .PARAMETER Force
    Log in even if EcrAuth remembers a still-valid login, and fetch a new token.

    .PARAMETER PassThru
    Writes an EcrAuth.Login object per registry (Registry, Username, ExpiresAt, ProxyEndpoint, Client).

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
    Auth-ECR $accessKey $secretKey -WhatIf

    Shows what would happen; fetches nothing and runs nothing.

    .LINK
    Disconnect-EcrRegistry

    .LINK
    Get-EcrConnection

    .LINK
    Get-EcrLoginPassword
    #>
    [CmdletBinding(SupportsShouldProcess = $true, DefaultParameterSetName = 'Keys')]
    [OutputType('EcrAuth.Login')]
    param(
        # The public command (EcrAuth.psm1): its errors, verbose output and -WhatIf.
        [Parameter(Mandatory = $true)]
        [System.Management.Automation.PSCmdlet] $Cmdlet,

        [Parameter(ParameterSetName = 'Keys', Mandatory = $true, Position = 0)]
        [Alias('AccessKeyId')]
        [ValidateNotNullOrEmpty()]
        [string] $AccessKey,

        [Parameter(ParameterSetName = 'Keys', Mandatory = $true, Position = 1)]
        [Alias('SecretAccessKey')]
        [ValidateNotNullOrEmpty()]
        [string] $SecretKey,

        [Parameter(ParameterSetName = 'Credential', Mandatory = $true)]
        [System.Management.Automation.PSCredential] $Credential,

        [Parameter(ParameterSetName = 'Profile', Mandatory = $true)]
        [ValidateNotNullOrEmpty()]
        [string] $ProfileName,

        [Parameter(ParameterSetName = 'Default', Mandatory = $true)]
        [switch] $UseDefaultCredentials,

        [Parameter(ParameterSetName = 'Keys', Position = 2)]
        [Parameter(ParameterSetName = 'Credential')]
        [Parameter(ParameterSetName = 'Profile')]
        [Parameter(ParameterSetName = 'Default')]
        [ArgumentCompleter({ param($c, $p, $word) & (Get-Module EcrAuth | Select-Object -First 1) { Import-EcrPrivate 'Common'; Get-EcrRegionCompletion $args[0] } $word })]
        [ValidateScript({
                if ($_ -cmatch '^[a-z]{2,5}(-[a-z]+)+-[0-9]{1,2}$') { return $true }
                throw "'$_' is not an AWS region name; expected something like us-east-1 or eu-west-2."
            })]
        [string] $Region = 'us-east-1',

        [Parameter(ParameterSetName = 'Keys')]
        [Parameter(ParameterSetName = 'Credential')]
        [ValidateNotNullOrEmpty()]
        [string] $SessionToken,

        [ValidateCount(1, 10)]
        [ValidateScript({
                if ($_ -match '^[0-9]{12}$') { return $true }
                throw "'$_' is not a registry id; expected a 12-digit AWS account id such as 123456789012."
            })]
        [string[]] $RegistryId,

        [ValidateCount(1, 10)]
        [ValidateNotNullOrEmpty()]
        [string[]] $Registry,

        [switch] $Public,

        [ValidateSet('docker', 'podman', 'finch', 'nerdctl', 'helm', 'oras')]
        [string] $Client = 'docker',

        [ValidateScript({
                $uri = $null
                if ([System.Uri]::TryCreate($_, 'Absolute', [ref]$uri) -and $uri.Scheme -in 'http', 'https') { return $true }
                throw "'$_' is not an http(s) URL; expected something like https://api.ecr.us-east-1.amazonaws.com."
            })]
        [string] $EndpointUrl,

        [ValidateNotNullOrEmpty()]
        [string] $CaBundle,

        [ValidateRange(1, 600)]
        [int] $TimeoutSec = 30,

        [switch] $Force,

        [switch] $PassThru
    )
    Set-StrictMode -Version 3.0

    $what = if ($Public) { 'ECR Public' } elseif ($Registry) { $Registry -join ', ' }
    elseif ($RegistryId) { "ECR registries of $($RegistryId -join ', ')" } else { 'the ECR registry of the credentials'' account' }
    if (-not $Cmdlet.ShouldProcess($what, "Fetch an authorization token and run $Client login")) { return }
    try {
        Import-EcrPrivate 'Common', 'State'
        $spec = ConvertTo-EcrSpec -Bound $PSBoundParameters -ParameterSet $PSCmdlet.ParameterSetName
        $key = Get-EcrRequestKey $spec
        if (-not $Force) {
            $current = Get-EcrCurrentLogin -Key $key -Spec $spec
            if ($current) {
                foreach ($login in $current) {
                    $Cmdlet.WriteVerbose("Already logged in to $($login.Registry) with $Client until $($login.ExpiresAt.ToString('u')); nothing to do (use -Force to log in again).")
                }
                if ($PassThru) { Import-EcrFormat; $current }
                return
            }
        }
        Import-EcrPrivate 'Native', 'Client'
        $clientPath = Resolve-EcrClient $Client
        $source = switch ($spec.Source) { 'Profile' { "profile $ProfileName" } 'Default' { 'the default credential chain' } default { "key $($spec.AccessKey)" } }
        $endpointText = if ($EndpointUrl) { $EndpointUrl } else { 'the regional default' }
        $Cmdlet.WriteVerbose("Requesting an ECR authorization token with $source in $(if ($spec.Region) { $spec.Region } else { 'the configured region' }) (endpoint: $endpointText).")
        $handle = Invoke-EcrFetch -Spec $spec -ReuseTokens:(-not $Force)
        try {
            $logins = @(Get-EcrResultLogin -Handle $handle -Client $Client)
            $Cmdlet.WriteVerbose("ECR returned $($logins.Count) login(s).")
            foreach ($login in $logins) {
                $password = Get-EcrResultPassword -Handle $handle -Index $login.Index
                try {
                    Invoke-EcrClientLogin -Cmdlet $Cmdlet -Client $Client -ClientPath $clientPath `
                        -Registry $login.Registry -Username $login.Username -Password $password
                }
                finally { [Array]::Clear($password, 0, $password.Length) }
                $login.PSObject.Properties.Remove('Index')
            }
        }
        finally { Close-EcrResult $handle }
        Save-EcrStateRecord -Key $key -Spec $spec -Logins $logins
        if ($PassThru) { Import-EcrFormat; $logins }
    }
    catch {
        $Cmdlet.ThrowTerminatingError($_)
    }
}

function script:Invoke-EcrGetLoginPassword {
    <#
    .SYNOPSIS
    Writes the ECR registry password(s), for piping into tools EcrAuth does not run itself.

    .DESCRIPTION
    Like `aws ecr get-login-password`: fetches an authorization token and writes each
    registry's password to the pipeline. Pipe it straight into a client's --password-stdin;
    do not store it. With -AsLogin, writes EcrAuth.Login objects instead, each with a
    Credential (PSCredential) property, and runs no client.

    The other parameters are those of Connect-EcrRegistry (Auth-ECR).

    .PARAMETER AsLogin
    Writes EcrAuth.Login objects (Registry, Username, ExpiresAt, ProxyEndpoint, Credential)
    instead of bare passwords.

    .EXAMPLE
    Get-EcrLoginPassword $accessKey $secretKey | podman login --username AWS --password-stdin 123456789012.dkr.ecr.us-east-1.amazonaws.com

    .EXAMPLE
    Get-EcrLoginPassword -ProfileName dev -AsLogin | Format-Table Registry, ExpiresAt
    #>
    [CmdletBinding(DefaultParameterSetName = 'Keys')]
    [OutputType([string])]
    [OutputType('EcrAuth.Login')]
    param(
        # The public command (EcrAuth.psm1): its errors, verbose output and -WhatIf.
        [Parameter(Mandatory = $true)]
        [System.Management.Automation.PSCmdlet] $Cmdlet,

        [Parameter(ParameterSetName = 'Keys', Mandatory = $true, Position = 0)]
        [Alias('AccessKeyId')]
        [ValidateNotNullOrEmpty()]
        [string] $AccessKey,

        [Parameter(ParameterSetName = 'Keys', Mandatory = $true, Position = 1)]
        [Alias('SecretAccessKey')]
        [ValidateNotNullOrEmpty()]
        [string] $SecretKey,

        [Parameter(ParameterSetName = 'Credential', Mandatory = $true)]
        [System.Management.Automation.PSCredential] $Credential,

        [Parameter(ParameterSetName = 'Profile', Mandatory = $true)]
        [ValidateNotNullOrEmpty()]
        [string] $ProfileName,

        [Parameter(ParameterSetName = 'Default', Mandatory = $true)]
        [switch] $UseDefaultCredentials,

        [Parameter(ParameterSetName = 'Keys', Position = 2)]
        [Parameter(ParameterSetName = 'Credential')]
        [Parameter(ParameterSetName = 'Profile')]
        [Parameter(ParameterSetName = 'Default')]
        [ArgumentCompleter({ param($c, $p, $word) & (Get-Module EcrAuth | Select-Object -First 1) { Import-EcrPrivate 'Common'; Get-EcrRegionCompletion $args[0] } $word })]
        [ValidateScript({
                if ($_ -cmatch '^[a-z]{2,5}(-[a-z]+)+-[0-9]{1,2}$') { return $true }
                throw "'$_' is not an AWS region name; expected something like us-east-1 or eu-west-2."
            })]
        [string] $Region = 'us-east-1',

        [Parameter(ParameterSetName = 'Keys')]
        [Parameter(ParameterSetName = 'Credential')]
        [ValidateNotNullOrEmpty()]
        [string] $SessionToken,

        [ValidateCount(1, 10)]
        [ValidateScript({
                if ($_ -match '^[0-9]{12}$') { return $true }
                throw "'$_' is not a registry id; expected a 12-digit AWS account id such as 123456789012."
            })]
        [string[]] $RegistryId,

        [ValidateCount(1, 10)]
        [ValidateNotNullOrEmpty()]
        [string[]] $Registry,

        [switch] $Public,

        [ValidateScript({
                $uri = $null
                if ([System.Uri]::TryCreate($_, 'Absolute', [ref]$uri) -and $uri.Scheme -in 'http', 'https') { return $true }
                throw "'$_' is not an http(s) URL; expected something like https://api.ecr.us-east-1.amazonaws.com."
            })]
        [string] $EndpointUrl,

        [ValidateNotNullOrEmpty()]
        [string] $CaBundle,

        [ValidateRange(1, 600)]
        [int] $TimeoutSec = 30,

        [switch] $AsLogin
    )
    Set-StrictMode -Version 3.0
    try {
        Import-EcrPrivate 'Common', 'Native'
        $spec = ConvertTo-EcrSpec -Bound $PSBoundParameters -ParameterSet $PSCmdlet.ParameterSetName
        $handle = Invoke-EcrFetch -Spec $spec -ReuseTokens
        try {
            if ($AsLogin) { Import-EcrFormat }
            foreach ($login in @(Get-EcrResultLogin -Handle $handle -Client '')) {
                $bytes = Get-EcrResultPassword -Handle $handle -Index $login.Index
                try { $password = [System.Text.Encoding]::UTF8.GetString($bytes) } finally { [Array]::Clear($bytes, 0, $bytes.Length) }
                if (-not $AsLogin) { $password; continue }
                $secure = ConvertTo-SecureString -String $password -AsPlainText -Force
                $login.PSObject.Properties.Remove('Index')
                $login.PSObject.Properties.Remove('Client')
                $login | Add-Member -NotePropertyName Credential -NotePropertyValue (New-Object System.Management.Automation.PSCredential($login.Username, $secure)) -PassThru
            }
        }
        finally { Close-EcrResult $handle }
    }
    catch {
        $Cmdlet.ThrowTerminatingError($_)
    }
}

function script:Invoke-EcrDisconnect {
    <#
    .SYNOPSIS
    Logs a container client out of ECR registries, and forgets EcrAuth's record of them.

    .DESCRIPTION
    Runs the client's logout (e.g. `docker logout <registry>`) for each registry given, or,
    without -Registry, for every registry EcrAuth logged in (see Get-EcrConnection).

    .PARAMETER Registry
    The registry hosts to log out of. Default: every registry EcrAuth logged in. Accepts
    Get-EcrConnection output from the pipeline.

    .PARAMETER Client
    The container client to log out (docker, podman, finch, nerdctl, helm or oras). Default:
    the client EcrAuth used for that registry, else docker.

    .INPUTS
    EcrAuth.Connection or EcrAuth.Login objects: their Registry and Client properties.

    .EXAMPLE
    Disconnect-EcrRegistry

    .EXAMPLE
    Disconnect-EcrRegistry -Registry 123456789012.dkr.ecr.us-east-1.amazonaws.com -Client podman
    #>
    [CmdletBinding(SupportsShouldProcess = $true)]
    param(
        # The public command (EcrAuth.psm1): its errors, verbose output and -WhatIf.
        [Parameter(Mandatory = $true)]
        [System.Management.Automation.PSCmdlet] $Cmdlet,

        [Parameter(Position = 0, ValueFromPipelineByPropertyName = $true)]
        [ValidateNotNullOrEmpty()]
        [string[]] $Registry,

        [Parameter(ValueFromPipelineByPropertyName = $true)]
        [ValidateSet('docker', 'podman', 'finch', 'nerdctl', 'helm', 'oras')]
        [string] $Client
    )
    begin { Set-StrictMode -Version 3.0 }
    process {
        try {
            Import-EcrPrivate 'Common', 'State', 'Client'
            $targets = if ($Registry) {
                foreach ($name in $Registry) {
                    $clientName = if ($Client) { $Client } else {
                        $known = @(Get-EcrStateRecord | Where-Object Registry -eq $name | Select-Object -ExpandProperty Client -First 1)
                        if ($known) { $known[0] } else { 'docker' }
                    }
                    [pscustomobject]@{ Registry = $name; Client = $clientName }
                }
            }
            else {
                Get-EcrStateRecord | Where-Object { -not $Client -or $_.Client -eq $Client } |
                    Select-Object Registry, Client -Unique
            }
            foreach ($target in @($targets)) {
                if (-not $Cmdlet.ShouldProcess($target.Registry, "$($target.Client) logout")) { continue }
                Invoke-EcrClientLogout -Cmdlet $Cmdlet -Client $target.Client -Registry $target.Registry
                Remove-EcrStateRegistry -Registry $target.Registry -Client $target.Client
            }
        }
        catch {
            $Cmdlet.ThrowTerminatingError($_)
        }
    }
}

function script:Invoke-EcrGetConnection {
    <#
    .SYNOPSIS
    Lists the registries EcrAuth has logged in, with their client and expiry. No secrets.

    .PARAMETER Registry
    Only registries whose host matches this wildcard pattern. Default: all.

    .EXAMPLE
    Get-EcrConnection | Where-Object Valid
    #>
    [CmdletBinding()]
    [OutputType('EcrAuth.Connection')]
    param(
        # The public command (EcrAuth.psm1): its errors, verbose output and -WhatIf.
        [Parameter(Mandatory = $true)]
        [System.Management.Automation.PSCmdlet] $Cmdlet,

        [Parameter(Position = 0)]
        [SupportsWildcards()]
        [string] $Registry = '*'
    )
    Set-StrictMode -Version 3.0
    Import-EcrPrivate 'Common', 'State'
    Import-EcrFormat
    Get-EcrStateRecord | Where-Object { $_.Registry -like $Registry } | Sort-Object Registry, Client |
        Select-Object -Property * -ExcludeProperty StateFile | ForEach-Object { $_.PSObject.TypeNames.Insert(0, 'EcrAuth.Connection'); $_ }
}

$script:EcrCommandsLoaded = $true
