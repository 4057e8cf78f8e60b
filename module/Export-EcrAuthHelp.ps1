<#
.SYNOPSIS
Writes EcrAuth's MAML help file (module/EcrAuth/en-US/EcrAuth-help.xml).

.DESCRIPTION
The public commands are thin shells whose parameters are dynamic (see EcrAuth.psm1), and
Get-Help builds a function's syntax from its static param block only. So the help users read is
MAML, generated here from two sources: the comment help of each implementation in
Private/Commands.ps1 (synopsis, description, parameter texts, examples, links) and the public
command's parameter metadata (sets, types, positions, aliases, pipeline input). A parameter
without its own text takes the text of the same parameter of another command.

Run through `./build.ps1 Help`; a test fails when the committed file is stale. Build-time only
(PowerShell 7): this script is not part of the module.

.PARAMETER OutFile
Where to write the MAML file.
#>
#Requires -Version 7.0
[CmdletBinding()]
param([string] $OutFile = (Join-Path $PSScriptRoot 'EcrAuth/en-US/EcrAuth-help.xml'))

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0

$module = Import-Module (Join-Path $PSScriptRoot 'EcrAuth') -Force -PassThru
$null = (Get-Command Connect-EcrRegistry).Parameters   # first use: loads Private/Commands.ps1
$implementations = & $module { $script:EcrImplementation }
$common = @([System.Management.Automation.Cmdlet]::CommonParameters)   # PowerShell 7 (build time)
$shouldProcessText = @{
    WhatIf  = 'Shows what would happen if the command runs. The command does not run.'
    Confirm = 'Prompts you for confirmation before running the command.'
}

function Get-Paragraph([string] $Text) {
    # Comment help text -> paragraphs (blank-line separated), each on one line.
    if (-not $Text) { return @() }
    @(($Text.Trim() -split '\r?\n\s*\r?\n') | ForEach-Object { (($_ -split '\r?\n') | ForEach-Object { $_.Trim() }) -join ' ' })
}

function Get-ImplementationHelp([string] $Name) {
    $definition = & $module { param($n) (Get-Command -Name $n -CommandType Function).ScriptBlock.Ast } $Name
    $help = $definition.GetHelpContent()
    $defaults = @{}
    $order = @()
    foreach ($parameter in $definition.Body.ParamBlock.Parameters) {
        $order += $parameter.Name.VariablePath.UserPath
        if ($parameter.DefaultValue) { $defaults[$parameter.Name.VariablePath.UserPath] = $parameter.DefaultValue.Extent.Text.Trim("'") }
    }
    [pscustomobject]@{ Help = $help; Defaults = $defaults; Order = $order }
}

$sources = [ordered]@{}
foreach ($command in $implementations.Keys) { $sources[$command] = Get-ImplementationHelp $implementations[$command] }
$parameterText = @{}
foreach ($source in $sources.Values) {
    foreach ($key in $source.Help.Parameters.Keys) { if (-not $parameterText.ContainsKey($key)) { $parameterText[$key] = $source.Help.Parameters[$key] } }
}

function Get-ParameterText([object] $Source, [string] $Name) {
    $key = $Name.ToUpperInvariant()
    if ($Source.Help.Parameters.ContainsKey($key)) { return $Source.Help.Parameters[$key] }
    if ($parameterText.ContainsKey($key)) { return $parameterText[$key] }
    if ($shouldProcessText.ContainsKey($Name)) { return $shouldProcessText[$Name] }
    throw "No help text for parameter -$Name; add .PARAMETER $Name to its implementation's comment help."
}

function Get-TypeName([type] $Type) {
    if ($Type -eq [switch]) { 'SwitchParameter' } else { $Type.Name }
}

$maml = 'http://schemas.microsoft.com/maml/2004/10'
$cmd = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
$dev = 'http://schemas.microsoft.com/maml/dev/2004/10'
$settings = New-Object System.Xml.XmlWriterSettings
$settings.Indent = $true
$settings.IndentChars = '  '
$settings.NewLineChars = "`n"
$settings.Encoding = New-Object System.Text.UTF8Encoding($false)
$null = New-Item -ItemType Directory -Force -Path (Split-Path -Parent $OutFile)
$temp = "$OutFile.tmp"
$writer = [System.Xml.XmlWriter]::Create($temp, $settings)
try {

function Write-Para([string] $Text) {
    foreach ($para in Get-Paragraph $Text) { $writer.WriteElementString('maml', 'para', $maml, $para) }
}

function Write-Description([string] $Prefix, [string] $Namespace, [string] $Text) {
    $writer.WriteStartElement($Prefix, 'description', $Namespace)
    Write-Para $Text
    $writer.WriteEndElement()
}

function Write-Parameter([object] $Source, [System.Management.Automation.CommandParameterInfo] $Parameter, [string] $Position) {
    $isSwitch = $Parameter.ParameterType -eq [switch]
    $writer.WriteStartElement('command', 'parameter', $cmd)
    $writer.WriteAttributeString('required', $Parameter.IsMandatory.ToString().ToLowerInvariant())
    $writer.WriteAttributeString('variableLength', 'true')
    $wildcards = [bool]($Parameter.Attributes | Where-Object { $_ -is [System.Management.Automation.SupportsWildcardsAttribute] })
    $writer.WriteAttributeString('globbing', $wildcards.ToString().ToLowerInvariant())
    $pipeline = if ($Parameter.ValueFromPipelineByPropertyName) { 'True (ByPropertyName)' } elseif ($Parameter.ValueFromPipeline) { 'True (ByValue)' } else { 'False' }
    $writer.WriteAttributeString('pipelineInput', $pipeline)
    $writer.WriteAttributeString('position', $Position)
    $aliases = if ($Parameter.Aliases.Count) { $Parameter.Aliases -join ', ' } else { 'none' }
    $writer.WriteAttributeString('aliases', $aliases)
    $writer.WriteElementString('maml', 'name', $maml, $Parameter.Name)
    Write-Description 'maml' $maml (Get-ParameterText $Source $Parameter.Name)
    $set = $Parameter.Attributes | Where-Object { $_ -is [System.Management.Automation.ValidateSetAttribute] } | Select-Object -First 1
    if ($set) {
        $writer.WriteStartElement('command', 'parameterValueGroup', $cmd)
        foreach ($value in $set.ValidValues) {
            $writer.WriteStartElement('command', 'parameterValue', $cmd)
            $writer.WriteAttributeString('required', 'false')
            $writer.WriteAttributeString('variableLength', 'false')
            $writer.WriteString($value)
            $writer.WriteEndElement()
        }
        $writer.WriteEndElement()
    }
    $typeName = Get-TypeName $Parameter.ParameterType
    if (-not $isSwitch) {
        $writer.WriteStartElement('command', 'parameterValue', $cmd)
        $writer.WriteAttributeString('required', 'true')
        $writer.WriteAttributeString('variableLength', 'false')
        $writer.WriteString($typeName)
        $writer.WriteEndElement()
    }
    $writer.WriteStartElement('dev', 'type', $dev)
    $writer.WriteElementString('maml', 'name', $maml, $typeName)
    $writer.WriteEndElement()
    $default = if ($Source.Defaults.ContainsKey($Parameter.Name)) { $Source.Defaults[$Parameter.Name] } elseif ($isSwitch) { 'False' } else { 'None' }
    $writer.WriteElementString('dev', 'defaultValue', $dev, $default)
    $writer.WriteEndElement()
}

function Get-Position([System.Management.Automation.CommandParameterInfo] $Parameter) {
    if ($Parameter.Position -ge 0) { [string]$Parameter.Position } else { 'named' }
}

$writer.WriteStartDocument()
$writer.WriteStartElement('helpItems', 'http://msh')
$writer.WriteAttributeString('schema', 'maml')
foreach ($name in $sources.Keys) {
    $source = $sources[$name]
    $help = $source.Help
    $info = Get-Command $name
    $verb, $noun = $name -split '-', 2
    $writer.WriteStartElement('command', 'command', $cmd)
    $writer.WriteAttributeString('xmlns', 'maml', $null, $maml)
    $writer.WriteAttributeString('xmlns', 'command', $null, $cmd)
    $writer.WriteAttributeString('xmlns', 'dev', $null, $dev)

    $writer.WriteStartElement('command', 'details', $cmd)
    $writer.WriteElementString('command', 'name', $cmd, $name)
    $writer.WriteElementString('command', 'verb', $cmd, $verb)
    $writer.WriteElementString('command', 'noun', $cmd, $noun)
    Write-Description 'maml' $maml $help.Synopsis
    $writer.WriteEndElement()
    $description = if ($help.Description) { $help.Description } else { $help.Synopsis }
    Write-Description 'maml' $maml $description

    # Syntax: one item per parameter set, default set first, positional parameters in order.
    $writer.WriteStartElement('command', 'syntax', $cmd)
    $sets = @($info.ParameterSets | Sort-Object -Stable { -not $_.IsDefault }, Name)
    foreach ($set in $sets) {
        $writer.WriteStartElement('command', 'syntaxItem', $cmd)
        $writer.WriteElementString('maml', 'name', $maml, $name)
        $ordered = @($set.Parameters | Where-Object { $common -notcontains $_.Name } |
                Sort-Object -Stable { if ($_.Position -ge 0) { $_.Position } else { [int]::MaxValue } }, { -not $_.IsMandatory }, { $shouldProcessText.ContainsKey($_.Name) })
        foreach ($parameter in $ordered) { Write-Parameter $source $parameter (Get-Position $parameter) }
        $writer.WriteEndElement()
    }
    $writer.WriteEndElement()

    # Parameters: each once, in declaration order, then -WhatIf and -Confirm.
    $writer.WriteStartElement('command', 'parameters', $cmd)
    $unique = [ordered]@{}
    foreach ($set in $sets) {
        foreach ($parameter in $set.Parameters) {
            if ($common -notcontains $parameter.Name -and -not $unique.Contains($parameter.Name)) { $unique[$parameter.Name] = $parameter }
        }
    }
    $declared = @($unique.Values | Sort-Object -Stable { $i = [array]::IndexOf($source.Order, $_.Name); if ($i -ge 0) { $i } else { [int]::MaxValue } })
    foreach ($parameter in $declared) { Write-Parameter $source $parameter (Get-Position $parameter) }
    $writer.WriteEndElement()

    $writer.WriteStartElement('command', 'inputTypes', $cmd)
    $writer.WriteStartElement('command', 'inputType', $cmd)
    $writer.WriteStartElement('dev', 'type', $dev)
    $inputs = if ($help.Inputs.Count) { $help.Inputs -join ' ' } else { 'None' }
    $writer.WriteElementString('maml', 'name', $maml, $inputs.Trim())
    $writer.WriteEndElement(); $writer.WriteEndElement(); $writer.WriteEndElement()

    $writer.WriteStartElement('command', 'returnValues', $cmd)
    $outputs = @(& $module { param($n) (Get-Command -Name $n -CommandType Function).OutputType } $implementations[$name] | Where-Object { $_ } | ForEach-Object { $_.Name })
    if (-not $outputs) { $outputs = @('None') }
    foreach ($output in $outputs) {
        $writer.WriteStartElement('command', 'returnValue', $cmd)
        $writer.WriteStartElement('dev', 'type', $dev)
        $writer.WriteElementString('maml', 'name', $maml, $output)
        $writer.WriteEndElement(); $writer.WriteEndElement()
    }
    $writer.WriteEndElement()

    if ($help.Notes) {
        $writer.WriteStartElement('maml', 'alertSet', $maml)
        $writer.WriteStartElement('maml', 'alert', $maml)
        Write-Para $help.Notes
        $writer.WriteEndElement(); $writer.WriteEndElement()
    }

    # Comment help examples: the code, a blank line, then the remarks.
    $writer.WriteStartElement('command', 'examples', $cmd)
    $number = 0
    foreach ($example in $help.Examples) {
        $number++
        $code, $remarks = ($example.Trim() -split '\r?\n\s*\r?\n', 2)
        $writer.WriteStartElement('command', 'example', $cmd)
        $writer.WriteElementString('maml', 'title', $maml, "-------------------------- Example $number --------------------------")
        $writer.WriteElementString('dev', 'code', $dev, $code.Trim())
        $writer.WriteStartElement('dev', 'remarks', $dev)
        Write-Para $remarks
        $writer.WriteEndElement()
        $writer.WriteEndElement()
    }
    $writer.WriteEndElement()

    $writer.WriteStartElement('command', 'relatedLinks', $cmd)
    foreach ($link in $help.Links) {
        $writer.WriteStartElement('maml', 'navigationLink', $maml)
        $writer.WriteElementString('maml', 'linkText', $maml, $link.Trim())
        $writer.WriteElementString('maml', 'uri', $maml, '')
        $writer.WriteEndElement()
    }
    $writer.WriteEndElement()
    $writer.WriteEndElement()
}
$writer.WriteEndElement()
$writer.WriteEndDocument()
$writer.Close()
Move-Item -LiteralPath $temp -Destination $OutFile -Force
}
finally {
    # Never leave a half-written file in the module folder (Install and Package copy it whole).
    $writer.Close()
    Remove-Item -LiteralPath $temp -Force -ErrorAction SilentlyContinue
    Remove-Module $module
}
Write-Verbose "Wrote $OutFile"
