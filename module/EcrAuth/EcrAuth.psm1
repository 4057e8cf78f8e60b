# EcrAuth: log a container client into Amazon ECR.
# This file is what Import-Module parses, so it stays small (the module lives in many
# $PROFILEs); the native binding and the client runner load on first use from Private/.

Set-StrictMode -Version 3.0

# The P/Invoke type, built on first use (Private/EcrAuth.Private.ps1).
$script:EcrNative = $null

function Connect-EcrRegistry {
    <#
    .SYNOPSIS
    Logs Docker into your Amazon ECR registry, with no secret on any command line.

    .DESCRIPTION
    Fetches an ECR authorization token (GetAuthorizationToken) with the given AWS access
    key through EcrAuth's native library, decodes it, and runs
    `docker login --username AWS --password-stdin <registry>` for each registry returned,
    writing the password to docker's standard input. The secret key, session token and
    registry password never appear in a command line, a log or verbose output.

    Auth-ECR is an alias of this command.

    .PARAMETER AccessKey
    The AWS access key id (AKIA... or ASIA...).

    .PARAMETER SecretKey
    The AWS secret access key.

    .PARAMETER Region
    The AWS region of the registry. Defaults to us-east-1. Tab completion offers the known regions.

    .PARAMETER SessionToken
    The session token of temporary credentials (from STS, SSO or a role).

    .PARAMETER RegistryId
    One or more 12-digit AWS account ids whose registries to log in to. Defaults to the
    account the key belongs to.

    .PARAMETER EndpointUrl
    Overrides the ECR API endpoint, e.g. a VPC interface endpoint or a local mock.

    .PARAMETER TimeoutSec
    How long the token request may take, retries included. Defaults to 30 seconds.

    .PARAMETER PassThru
    Writes an EcrAuth.Login object per registry (Registry, Username, ExpiresAt, ProxyEndpoint).

    .EXAMPLE
    Auth-ECR $accessKey $secretKey

    Logs Docker into the key's own registry in us-east-1.

    .EXAMPLE
    Auth-ECR $accessKey $secretKey eu-west-1 -PassThru

    Logs in to the eu-west-1 registry and shows when the login expires.

    .EXAMPLE
    Connect-EcrRegistry -AccessKey $env:AWS_ACCESS_KEY_ID -SecretKey $env:AWS_SECRET_ACCESS_KEY -SessionToken $env:AWS_SESSION_TOKEN -RegistryId 123456789012, 210987654321

    Logs in to two accounts' registries with temporary credentials.

    .EXAMPLE
    Auth-ECR $accessKey $secretKey -WhatIf

    Shows what would happen; fetches nothing and runs nothing.

    .LINK
    https://github.com/ecrauth/ecrauth
    #>
    [CmdletBinding(SupportsShouldProcess = $true)]
    [OutputType('EcrAuth.Login')]
    param(
        [Parameter(Mandatory = $true, Position = 0)]
        [Alias('AccessKeyId')]
        [ValidateNotNullOrEmpty()]
        [string] $AccessKey,

        [Parameter(Mandatory = $true, Position = 1)]
        [Alias('SecretAccessKey')]
        [ValidateNotNullOrEmpty()]
        [string] $SecretKey,

        [Parameter(Position = 2)]
        [ArgumentCompleter({
                param($commandName, $parameterName, $wordToComplete)
                $regions = 'us-east-1', 'us-east-2', 'us-west-1', 'us-west-2', 'af-south-1', 'ap-east-1',
                'ap-east-2', 'ap-south-1', 'ap-south-2', 'ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3',
                'ap-southeast-1', 'ap-southeast-2', 'ap-southeast-3', 'ap-southeast-4', 'ap-southeast-5',
                'ap-southeast-6', 'ap-southeast-7', 'ca-central-1', 'ca-west-1', 'eu-central-1', 'eu-central-2',
                'eu-north-1', 'eu-south-1', 'eu-south-2', 'eu-west-1', 'eu-west-2', 'eu-west-3', 'il-central-1',
                'me-central-1', 'me-south-1', 'mx-central-1', 'sa-east-1', 'us-gov-east-1', 'us-gov-west-1',
                'cn-north-1', 'cn-northwest-1'
                $regions | Where-Object { $_ -like "$wordToComplete*" } | ForEach-Object {
                    New-Object System.Management.Automation.CompletionResult($_, $_, 'ParameterValue', $_)
                }
            })]
        [ValidateScript({
                if ($_ -cmatch '^[a-z]{2,5}(-[a-z]+)+-[0-9]{1,2}$') { return $true }
                throw "'$_' is not an AWS region name; expected something like us-east-1 or eu-west-2."
            })]
        [string] $Region = 'us-east-1',

        [ValidateNotNullOrEmpty()]
        [string] $SessionToken,

        [ValidateCount(1, 10)]
        [ValidateScript({
                if ($_ -match '^[0-9]{12}$') { return $true }
                throw "'$_' is not a registry id; expected a 12-digit AWS account id such as 123456789012."
            })]
        [string[]] $RegistryId,

        [ValidateScript({
                $uri = $null
                if ([System.Uri]::TryCreate($_, 'Absolute', [ref]$uri) -and $uri.Scheme -in 'http', 'https') { return $true }
                throw "'$_' is not an http(s) URL; expected something like https://api.ecr.us-east-1.amazonaws.com."
            })]
        [string] $EndpointUrl,

        [ValidateRange(1, 600)]
        [int] $TimeoutSec = 30,

        [switch] $PassThru
    )

    $accounts = if ($RegistryId) { $RegistryId -join ', ' } else { 'the key''s own account' }
    $target = "ECR registry of $accounts in $Region"
    if (-not $PSCmdlet.ShouldProcess($target, 'Fetch an authorization token and run docker login')) {
        return
    }
    try {
        . (Join-Path $PSScriptRoot 'Private/EcrAuth.Private.ps1')
        Invoke-EcrLogin -Cmdlet $PSCmdlet -AccessKey $AccessKey -SecretKey $SecretKey -Region $Region `
            -SessionToken $SessionToken -RegistryId $RegistryId -EndpointUrl $EndpointUrl `
            -TimeoutSec $TimeoutSec -PassThru:$PassThru
    }
    catch {
        $PSCmdlet.ThrowTerminatingError($_)
    }
}

New-Alias -Name Auth-ECR -Value Connect-EcrRegistry
Export-ModuleMember -Function Connect-EcrRegistry -Alias Auth-ECR
