"""Documents written for the extractor tests: every element the records carry, in each format.

`crs_v3()` has two bodies, the second with two reporting groups, a sponsor, an intermediary and a pool
report (allowed by the schema, refused by the CRS rules); `fatca_v2()` has a nil report, substantial
owners of both kinds and a closed account. Both validate against the project's schemas.
"""

from __future__ import annotations

CRS_V3_NS = "urn:oecd:ties:crs:v3"
CRS_V2_NS = "urn:oecd:ties:crs:v2"


def _crs_doc_spec(indic: str, doc_ref_id: str, corr: str = "", prefix: str = "crs") -> str:
    corr_element = f"<stf:CorrDocRefId>{corr}</stf:CorrDocRefId>" if corr else ""
    return (
        f"<{prefix}:DocSpec><stf:DocTypeIndic>{indic}</stf:DocTypeIndic>"
        f"<stf:DocRefId>{doc_ref_id}</stf:DocRefId>{corr_element}</{prefix}:DocSpec>"
    )


def _crs_institution(tag: str, doc_ref_id: str) -> str:
    return f"""
      <crs:{tag}>
        <crs:ResCountryCode>LU</crs:ResCountryCode>
        <crs:IN issuedBy="LU" INType="RCS">B000001</crs:IN>
        <crs:Name nameType="OECD207">Banque Exemple S.A.</crs:Name>
        <crs:Address legalAddressType="OECD304">
          <cfc:CountryCode>LU</cfc:CountryCode>
          <cfc:AddressFix>
            <cfc:Street>Rue Exemple</cfc:Street><cfc:BuildingIdentifier>1</cfc:BuildingIdentifier>
            <cfc:PostCode>L-1000</cfc:PostCode><cfc:City>Luxembourg</cfc:City>
          </cfc:AddressFix>
          <cfc:AddressFree>1 rue Exemple, Luxembourg</cfc:AddressFree>
        </crs:Address>
        {_crs_doc_spec("OECD1", doc_ref_id)}
      </crs:{tag}>"""


_CRS_PERSON = """
            <crs:ResCountryCode>BE</crs:ResCountryCode>
            <crs:ResCountryCode>NL</crs:ResCountryCode>
            <crs:TIN issuedBy="BE">85073003328</crs:TIN>
            <crs:Name nameType="OECD202">
              <crs:PrecedingTitle>His Excellency</crs:PrecedingTitle>
              <crs:Title>Dr.</crs:Title>
              <crs:FirstName>Jan</crs:FirstName>
              <crs:MiddleName>Karel</crs:MiddleName>
              <crs:MiddleName>Maria</crs:MiddleName>
              <crs:NamePrefix>van</crs:NamePrefix>
              <crs:LastName>Peeters</crs:LastName>
              <crs:GenerationIdentifier>Jr.</crs:GenerationIdentifier>
              <crs:Suffix>PhD</crs:Suffix>
              <crs:GeneralSuffix>Ret.</crs:GeneralSuffix>
            </crs:Name>
            <crs:Address>
              <cfc:CountryCode>BE</cfc:CountryCode>
              <cfc:AddressFree>Wetstraat 16, 1000 Brussel</cfc:AddressFree>
            </crs:Address>
            <crs:Nationality>BE</crs:Nationality>
            <crs:BirthInfo>
              <crs:BirthDate>1980-05-17</crs:BirthDate>
              <crs:City>Gent</crs:City>
              <crs:CitySubentity>Sint-Amandsberg</crs:CitySubentity>
              <crs:CountryInfo><crs:FormerCountryName>Zaire</crs:FormerCountryName></crs:CountryInfo>
            </crs:BirthInfo>"""


def crs_v3(*, second_group: bool = True) -> bytes:
    group_two = (
        f"""
    <crs:ReportingGroup>
      {_crs_institution("Sponsor", "LU2026BE-SP1")}
      {_crs_institution("Intermediary", "LU2026BE-IM1")}
      <crs:PoolReport>
        {_crs_doc_spec("OECD1", "LU2026BE-PR1", prefix="ftc")}
        <ftc:AccountCount>3</ftc:AccountCount>
        <ftc:AccountPoolReportType>FATCA201</ftc:AccountPoolReportType>
        <ftc:PoolBalance currCode="EUR">900.10</ftc:PoolBalance>
      </crs:PoolReport>
    </crs:ReportingGroup>"""
        if second_group
        else ""
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<crs:CRS_OECD xmlns:crs="{CRS_V3_NS}" xmlns:stf="urn:oecd:ties:crsstf:v5"
    xmlns:cfc="urn:oecd:ties:commontypesfatcacrs:v2" xmlns:ftc="urn:oecd:ties:fatca:v1" version="3.0">
  <crs:MessageSpec>
    <crs:SendingCompanyIN>LU-SENDER</crs:SendingCompanyIN>
    <crs:TransmittingCountry>LU</crs:TransmittingCountry>
    <crs:ReceivingCountry>BE</crs:ReceivingCountry>
    <crs:MessageType>CRS</crs:MessageType>
    <crs:Warning>none</crs:Warning>
    <crs:Contact>desk</crs:Contact>
    <crs:MessageRefId>LU2026BE000042</crs:MessageRefId>
    <crs:MessageTypeIndic>CRS702</crs:MessageTypeIndic>
    <crs:CorrMessageRefId>LU2026BE000041</crs:CorrMessageRefId>
    <crs:ReportingPeriod>2026-12-31</crs:ReportingPeriod>
    <crs:Timestamp>2027-03-15T09:45:30+01:00</crs:Timestamp>
  </crs:MessageSpec>
  <crs:CrsBody>
    {_crs_institution("ReportingFI", "LU2026BE-FI1")}
    <crs:ReportingGroup>
      <crs:AccountReport>
        {_crs_doc_spec("OECD2", "LU2026BE-AR2", "LU2026BE-AR1")}
        <crs:AccountNumber AcctNumberType="OECD605" UndocumentedAccount="false" ClosedAccount="true"
            DormantAccount="1">POL-0001</crs:AccountNumber>
        <crs:AccountHolder>
          <crs:EquityInterestType>CRS401</crs:EquityInterestType>
          <crs:EquityInterestType>CRS402</crs:EquityInterestType>
          <crs:SelfCert>CRS902</crs:SelfCert>
          <crs:Organisation>
            <crs:ResCountryCode>BE</crs:ResCountryCode>
            <crs:IN issuedBy="BE">0403019261</crs:IN>
            <crs:Name>Exemple Holding SRL</crs:Name>
            <crs:Address>
              <cfc:CountryCode>BE</cfc:CountryCode>
              <cfc:AddressFree>Kunstlaan 1, Brussel</cfc:AddressFree>
            </crs:Address>
          </crs:Organisation>
          <crs:AcctHolderType>CRS101</crs:AcctHolderType>
        </crs:AccountHolder>
        <crs:ControllingPerson>
          <crs:Individual>{_CRS_PERSON}
          </crs:Individual>
          <crs:CtrlgPersonType>CRS801</crs:CtrlgPersonType>
          <crs:CtrlgPersonType>CRS803</crs:CtrlgPersonType>
          <crs:SelfCert>CRS1001</crs:SelfCert>
        </crs:ControllingPerson>
        <crs:AccountBalance currCode="EUR">0.00</crs:AccountBalance>
        <crs:Payment>
          <crs:Type>CRS503</crs:Type><crs:PaymentAmnt currCode="EUR">10.05</crs:PaymentAmnt>
        </crs:Payment>
        <crs:Payment>
          <crs:Type>CRS504</crs:Type><crs:PaymentAmnt currCode="USD">-3.10</crs:PaymentAmnt>
        </crs:Payment>
        <crs:DDProcedure>CRS1202</crs:DDProcedure>
        <crs:AccountType>CRS1104</crs:AccountType>
        <crs:JointAccount><crs:Number>2</crs:Number></crs:JointAccount>
      </crs:AccountReport>
    </crs:ReportingGroup>
  </crs:CrsBody>
  <crs:CrsBody>
    {_crs_institution("ReportingFI", "LU2026BE-FI2")}
    <crs:ReportingGroup>
      <crs:AccountReport>
        {_crs_doc_spec("OECD1", "LU2026BE-AR3")}
        <crs:AccountNumber AcctNumberType="OECD601">BE71096123456769</crs:AccountNumber>
        <crs:AccountHolder>
          <crs:SelfCert>CRS901</crs:SelfCert>
          <crs:Individual>{_CRS_PERSON}
          </crs:Individual>
        </crs:AccountHolder>
        <crs:AccountBalance currCode="EUR">1500.00</crs:AccountBalance>
        <crs:DDProcedure>CRS1201</crs:DDProcedure>
        <crs:AccountType>CRS1101</crs:AccountType>
      </crs:AccountReport>
    </crs:ReportingGroup>{group_two}
  </crs:CrsBody>
</crs:CRS_OECD>
""".encode()


def _fatca_doc_spec(indic: str, doc_ref_id: str) -> str:
    return (
        f"<ftc:DocSpec><ftc:DocTypeIndic>{indic}</ftc:DocTypeIndic>"
        f"<ftc:DocRefId>{doc_ref_id}</ftc:DocRefId></ftc:DocSpec>"
    )


def _fatca_institution(tag: str, doc_ref_id: str, category: str) -> str:
    return f"""
      <ftc:{tag}>
        <sfa:ResCountryCode>NL</sfa:ResCountryCode>
        <sfa:TIN issuedBy="US">A1B2C3.99999.SL.528</sfa:TIN>
        <sfa:Name>Voorbeeld Bank N.V.</sfa:Name>
        <sfa:Address>{_address("NL", "Damrak 1")}</sfa:Address>
        <ftc:FilerCategory>{category}</ftc:FilerCategory>
        {_fatca_doc_spec("FATCA1", doc_ref_id)}
      </ftc:{tag}>"""


def _address(country: str, free: str) -> str:
    return f"<sfa:CountryCode>{country}</sfa:CountryCode><sfa:AddressFree>{free}</sfa:AddressFree>"


def fatca_v2() -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<ftc:FATCA_OECD xmlns:ftc="urn:oecd:ties:fatca:v2" xmlns:sfa="urn:oecd:ties:stffatcatypes:v2" version="2.0">
  <ftc:MessageSpec>
    <sfa:SendingCompanyIN>A1B2C3.99999.SL.528</sfa:SendingCompanyIN>
    <sfa:TransmittingCountry>NL</sfa:TransmittingCountry>
    <sfa:ReceivingCountry>US</sfa:ReceivingCountry>
    <sfa:MessageType>FATCA</sfa:MessageType>
    <sfa:MessageRefId>NL-FATCA-0001</sfa:MessageRefId>
    <sfa:ReportingPeriod>2025-12-31</sfa:ReportingPeriod>
    <sfa:Timestamp>2026-02-01T10:00:00Z</sfa:Timestamp>
  </ftc:MessageSpec>
  <ftc:FATCA>
    {_fatca_institution("ReportingFI", "A1B2C3.99999.SL.528.FI1", "FATCA601")}
    <ftc:ReportingGroup>
      <ftc:NilReport>
        {_fatca_doc_spec("FATCA11", "A1B2C3.99999.SL.528.NIL1")}
        <ftc:NoAccountToReport>yes</ftc:NoAccountToReport>
      </ftc:NilReport>
    </ftc:ReportingGroup>
    <ftc:ReportingGroup>
      {_fatca_institution("Sponsor", "A1B2C3.99999.SL.528.SP1", "FATCA607")}
      <ftc:AccountReport>
        {_fatca_doc_spec("FATCA1", "A1B2C3.99999.SL.528.AR1")}
        <ftc:AccountNumber AcctNumberType="OECD605">NL-0001</ftc:AccountNumber>
        <ftc:AccountClosed>true</ftc:AccountClosed>
        <ftc:AccountHolder>
          <ftc:Organisation>
            <sfa:ResCountryCode>NL</sfa:ResCountryCode>
            <sfa:TIN issuedBy="NL">003456789</sfa:TIN>
            <sfa:Name>Voorbeeld Holding B.V.</sfa:Name>
            <sfa:Address>{_address("NL", "Kade 2")}</sfa:Address>
          </ftc:Organisation>
          <ftc:AcctHolderType>FATCA101</ftc:AcctHolderType>
        </ftc:AccountHolder>
        <ftc:SubstantialOwner>
          <ftc:Individual>
            <sfa:ResCountryCode>US</sfa:ResCountryCode>
            <sfa:TIN issuedBy="US">123456789</sfa:TIN>
            <sfa:Name><sfa:FirstName>Ann</sfa:FirstName><sfa:LastName>Smith</sfa:LastName></sfa:Name>
            <sfa:Address>{_address("US", "1 Main St")}</sfa:Address>
            <sfa:BirthInfo><sfa:BirthDate>1970-01-02</sfa:BirthDate></sfa:BirthInfo>
          </ftc:Individual>
        </ftc:SubstantialOwner>
        <ftc:SubstantialOwner>
          <ftc:Organisation>
            <sfa:ResCountryCode>US</sfa:ResCountryCode>
            <sfa:Name>Owner LLC</sfa:Name>
            <sfa:Address>{_address("US", "2 Main St")}</sfa:Address>
          </ftc:Organisation>
        </ftc:SubstantialOwner>
        <ftc:AccountBalance currCode="USD">0.00</ftc:AccountBalance>
        <ftc:Payment>
          <ftc:Type>FATCA504</ftc:Type>
          <ftc:PaymentTypeDesc>fees</ftc:PaymentTypeDesc>
          <ftc:PaymentAmnt currCode="USD">5.00</ftc:PaymentAmnt>
        </ftc:Payment>
      </ftc:AccountReport>
      <ftc:PoolReport>
        {_fatca_doc_spec("FATCA1", "A1B2C3.99999.SL.528.PR1")}
        <ftc:AccountCount>12</ftc:AccountCount>
        <ftc:AccountPoolReportType>FATCA202</ftc:AccountPoolReportType>
        <ftc:PoolBalance currCode="USD">1200.00</ftc:PoolBalance>
      </ftc:PoolReport>
    </ftc:ReportingGroup>
  </ftc:FATCA>
</ftc:FATCA_OECD>
""".encode()
